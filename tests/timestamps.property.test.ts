/**
 * The one timestamp parser (issue 19, finding 1), against generators rather than a list: any
 * instant of years 0001-9999, with any zone, written in every form it accepts, reads back as that
 * instant (to the ms); an impossible date or time, and a broken string, are refused with a reason
 * quoting the value; and the schema, the fast path, `eventTime` and the `event_time` column agree
 * on every string generated. The oracle is `Date`'s own calendar, not the parser's arithmetic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkedTransaction, plainTransaction } from '../src/operators/parseTransaction.ts';
import { eventTime } from '../src/operators/rules/eventTime.ts';
import { suspiciousTransactionsTable } from '../src/adapters/postgres/tables.ts';
import { parseTimestamp } from '../src/timestamps.ts';
import { END, pad, written } from './helpers/timestamps.ts';

/** A valid timestamp with one field replaced by a value it cannot take. */
const impossible = fc.tuple(written, fc.nat(), fc.nat({ max: 99 })).map(([{ text }, which, n]) => {
  const y = +text.slice(0, 4);
  const mo = +text.slice(5, 7);
  const days = new Date(Date.UTC(2000, mo, 0)).getUTCDate() - (mo === 2 && !((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 1 : 0);
  const at = (start: number, value: number) => `${text.slice(0, start)}${pad(value)}${text.slice(start + 2)}`;
  switch (which % 6) {
    case 0: return at(5, [0, 13 + (n % 87)][n % 2]!); // month 00, 13-99
    case 1: return at(8, [0, days + 1 + (n % (99 - days))][n % 2]!); // day 00, or past the month's end
    case 2: return at(11, 24 + (n % 76)); // hour 24-99 (24:00:00 included)
    case 3: return at(14, 60 + (n % 40)); // minute 60-99
    case 4: return at(17, 60 + (n % 40)); // second 60-99 (leap second included)
    default: return `${text.slice(0, 19)}${['+', '-'][n % 2]}${pad(24 + (n % 76))}:00`; // offset hour 24-99
  }
});

/** A valid timestamp broken by a character the grammar has nowhere, or by a separator taken out. */
const broken = fc.oneof(
  fc.tuple(written, fc.nat(), fc.constantFrom('x', '/', '\u0000', '_', 'é', '\n', '٣', '０', '\ud800')).map(([{ text }, at, c]) => {
    const i = at % (text.length + 1);
    return `${text.slice(0, i)}${c}${text.slice(i)}`;
  }),
  fc.tuple(written, fc.constantFrom(4, 7, 13, 16)).map(([{ text }, i]) => `${text.slice(0, i)}${text.slice(i + 1)}`),
);

const transaction = (timestamp: unknown) => ({ id: 1234, transaction_id: 56789, amount: 50_000, currency: 'XAF', timestamp });

/** What each reader makes of a string: the instant, or refused. */
function readings(text: string) {
  const schema = checkedTransaction(transaction(text));
  const fast = plainTransaction(transaction(text));
  let rules: number | 'refused';
  try {
    rules = eventTime(transaction(text) as never);
  } catch {
    rules = 'refused';
  }
  const [json] = suspiciousTransactionsTable.params([{ transaction: transaction(text) as never, ref: { source: 't', partition: 0, offset: 0 }, reasons: [], score: 0 }]);
  const column = (JSON.parse(json as string) as { event_time: string | null }[])[0]!.event_time;
  return {
    schema: typeof schema === 'string' ? 'refused' : 'accepted',
    fast: fast === undefined ? 'refused' : 'accepted',
    rules,
    column: column === null ? 'refused' : Date.parse(column),
  };
}

describe('parseTimestamp', () => {
  it('reads a string the same whatever was read before it (it keeps the last reading for the next record)', () => {
    const anyText = fc.oneof(written.map(({ text }) => text), impossible, broken);
    fc.assert(fc.property(fc.array(anyText, { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 40 }), (texts, order) => {
      const first = texts.map((text) => parseTimestamp(text));
      // again, in another order and with repeats: each text is read as it was the first time
      for (const i of [...order, 0]) expect(parseTimestamp(texts[i % texts.length]!)).toBe(first[i % texts.length]);
    }), { numRuns: 2_000, seed: 21 });
  });

  it('reads any instant, with any zone, in every form it accepts, as that instant to the ms', () => {
    fc.assert(fc.property(written, ({ text, names }) => {
      expect(parseTimestamp(text), text).toBe(names);
      expect(readings(text), text).toEqual({ schema: 'accepted', fast: 'accepted', rules: names, column: names });
    }), { numRuns: 10_000, seed: 19 });
  });

  it('refuses an impossible date or time with a reason quoting the value, as every reader does', () => {
    fc.assert(fc.property(impossible, (text) => {
      expect(parseTimestamp(text), text).toEqual(expect.stringMatching(/does not exist|out of range/));
      expect(parseTimestamp(text)).toContain(JSON.stringify(text));
      expect(checkedTransaction(transaction(text))).toBe(`timestamp: ${parseTimestamp(text) as string}`);
      expect(readings(text), text).toEqual({ schema: 'refused', fast: 'refused', rules: 'refused', column: 'refused' });
    }), { numRuns: 5_000, seed: 20 });
  });

  it('refuses a broken string, as every reader does', () => {
    fc.assert(fc.property(broken, (text) => {
      expect(parseTimestamp(text), text).toEqual(expect.stringMatching(/^expected YYYY-MM-DD HH:MM:SS or ISO 8601 .*, got ".+"$/));
      expect(readings(text), text).toEqual({ schema: 'refused', fast: 'refused', rules: 'refused', column: 'refused' });
    }), { numRuns: 5_000, seed: 21 });
  });

  it('agrees with itself in every reader on any string and on mutations of valid ones', () => {
    const any = fc.oneof(fc.string({ unit: 'binary' }), fc.tuple(written, fc.string({ maxLength: 3 }), fc.nat()).map(([{ text }, s, at]) => {
      const i = at % (text.length + 1);
      return `${text.slice(0, i)}${s}${text.slice(i + s.length)}`;
    }));
    fc.assert(fc.property(any, (text) => {
      const time = parseTimestamp(text);
      const expected = typeof time === 'number' ? { schema: 'accepted', fast: 'accepted', rules: time, column: time } : { schema: 'refused', fast: 'refused', rules: 'refused', column: 'refused' };
      expect(readings(text), text).toEqual(expected);
    }), { numRuns: 10_000, seed: 22 });
  });

  it.each([
    ['2026-03-01 10:30:00', Date.UTC(2026, 2, 1, 10, 30)],
    ['2026-03-01T10:30:00', Date.UTC(2026, 2, 1, 10, 30)],
    ['2026-03-01T11:30:00.1239+01:00', Date.UTC(2026, 2, 1, 10, 30, 0, 123)],
    ['2026-03-01T05:00:00-0530', Date.UTC(2026, 2, 1, 10, 30)],
    ['2026-03-01T11:30:00+01', Date.UTC(2026, 2, 1, 10, 30)],
    ['2024-02-29 00:00:00z', Date.UTC(2024, 1, 29)],
    ['0001-01-01 00:00:00', new Date('0001-01-01T00:00:00Z').getTime()],
    ['9999-12-31T23:59:59.999Z', END],
  ])('reads %s', (text, ms) => {
    expect(parseTimestamp(text)).toBe(ms);
  });

  it.each([
    ['2026-02-30 10:00:00', 'day 30 does not exist in 2026-02 (28 days) in "2026-02-30 10:00:00"'],
    ['2025-02-29 10:00:00', 'day 29 does not exist in 2025-02 (28 days) in "2025-02-29 10:00:00"'],
    ['2026-03-01T24:00:00', 'hour 24 does not exist (00-23; 24:00:00 is refused) in "2026-03-01T24:00:00"'],
    ['2026-03-01T24:00:01', 'hour 24 does not exist (00-23; 24:00:00 is refused) in "2026-03-01T24:00:01"'],
    ['2026-03-01T10:60:00', 'minute 60 does not exist in "2026-03-01T10:60:00"'],
    ['2016-12-31T23:59:60Z', 'second 60 does not exist (leap seconds are refused) in "2016-12-31T23:59:60Z"'],
    ['2026-03-01T10:30:00+25:00', 'offset +25:00 is out of range (at most ±23:59) in "2026-03-01T10:30:00+25:00"'],
    ['0000-06-01 00:00:00', 'the instant is outside years 0001-9999 (PostgreSQL timestamptz) in "0000-06-01 00:00:00"'],
    ['9999-12-31T23:00:00-01:00', 'the instant is outside years 0001-9999 (PostgreSQL timestamptz) in "9999-12-31T23:00:00-01:00"'],
    ['2026-03-01T10:30:00 +01:00', 'expected YYYY-MM-DD HH:MM:SS or ISO 8601 such as 2026-03-01T10:30:00.123+01:00, got "2026-03-01T10:30:00 +01:00"'],
    ['2026-03-01T10:30:00.', 'expected YYYY-MM-DD HH:MM:SS or ISO 8601 such as 2026-03-01T10:30:00.123+01:00, got "2026-03-01T10:30:00."'],
    ['2026-03-01T10:30', 'expected YYYY-MM-DD HH:MM:SS or ISO 8601 such as 2026-03-01T10:30:00.123+01:00, got "2026-03-01T10:30"'],
  ])('refuses %s', (text, reason) => {
    expect(parseTimestamp(text)).toBe(reason);
  });
});
