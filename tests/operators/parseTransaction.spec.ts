import { describe, expect, it } from 'vitest';
import { PARSE_TRANSACTION, parseTransaction, parseTransactionMessage, type TransactionMessage } from '../../src/operators/parseTransaction.ts';
import { marbles } from '../helpers/marbles.ts';

const msg = (raw: string, offset = 0): TransactionMessage => ({ raw, ref: { source: 'transaction', partition: 0, offset }, time: 5000 });
const good = { id: 1234, transaction_id: 56789, amount: 15000.5, currency: 'XAF', timestamp: '2026-11-22 10:00:00' };
const a = msg(JSON.stringify(good), 0);
const b = msg('not json', 1);
const reason = (m: TransactionMessage): string => {
  const p = parseTransactionMessage(m);
  return p.ok ? 'ok' : p.dead.reason;
};

describe('parseTransaction', () => {
  it('parses good messages and dead-letters bad ones, in order', marbles((m) => {
    m.expect(m.cold('-a----b--|', { a, b }).pipe(parseTransaction())).toBeObservable('-A----B--|', {
      A: { ok: true, value: { transaction: good, ref: a.ref } },
      B: { ok: false, dead: { stage: PARSE_TRANSACTION, reason: expect.stringMatching(/^invalid JSON: /), raw: 'not json', ref: b.ref, time: 5000 } },
    });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-a-#', { a }).pipe(parseTransaction())).toBeObservable('-A-#', { A: { ok: true, value: { transaction: good, ref: a.ref } } });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-a-a-|', { a });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(parseTransaction()), subs).toBeObservable('-A--', { A: { ok: true, value: { transaction: good, ref: a.ref } } });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it.each([
    [{ ...good, id: 'x' }, /^id: /],
    [{ ...good, amount: -5 }, /^amount: /],
    [{ ...good, currency: 'xaf' }, /^currency: expected a known ISO 4217 currency code/],
    [{ ...good, currency: 'ABC' }, /^currency: expected a known ISO 4217 currency code/],
    [{ ...good, timestamp: '2026-13-45 10:00:00' }, /^timestamp: month 13 does not exist in "2026-13-45 10:00:00"$/],
    [{ ...good, timestamp: '2026-02-30T10:00:00Z' }, /^timestamp: day 30 does not exist in 2026-02 \(28 days\) in "2026-02-30T10:00:00Z"$/],
    [{ ...good, timestamp: '2026-11-22 10:00:00 trailing' }, /^timestamp: expected YYYY-MM-DD HH:MM:SS or ISO 8601/],
    [{ ...good, location: { lat: 4.05 } }, /^location: expected both lat and lon/],
    [{ ...good, amount: Infinity }, /^amount: /],
    [{ ...good, timestamp: 'yesterday' }, /^timestamp: expected YYYY-MM-DD HH:MM:SS or ISO 8601 .*, got "yesterday"$/],
    [{ id: 1 }, /transaction_id: .*; amount: .*; currency: .*; timestamp: /],
    [[1, 2], /^message: /],
    // accepted before, then refused by PostgreSQL, failing the whole batch (issue 10)
    [{ ...good, id: 1099511627776 }, /^id: expected an integer of at most 2147483647 \(PostgreSQL int\)$/],
    [{ ...good, transaction_id: -8589934592 }, /^transaction_id: expected an integer of at least -2147483648/],
    [{ ...good, amount: 1e17 }, /^amount: expected less than 10\^16 in magnitude/],
    [{ ...good, amount: 10.005 }, /^amount: expected at most 2 decimals \(numeric\(18, 2\)\)/],
    [{ ...good, balance: -1e16 }, /^balance: expected less than 10\^16/],
    [{ ...good, account: 'CM\u0000001' }, /^account: contains a NUL character/],
    [{ ...good, channel: 'mob\ud800ile' }, /^channel: contains a lone UTF-16 surrogate/],
    // the reason quotes the value as JSON: the NUL shows as \u0000
    [{ ...good, timestamp: '2026-11-22 10:00:00\u0000' }, /^timestamp: expected .*, got "2026-11-22 10:00:00\\u0000"$/],
  ])('says which field is wrong: %j', (value, pattern) => {
    expect(reason(msg(JSON.stringify(value)))).toMatch(pattern);
  });
});

describe('parseTransaction on the optional fields', () => {
  it('keeps account, location, channel, type and the balance before the transaction', () => {
    const full = { ...good, account: 'CM-001', location: { lat: 4.05, lon: 9.7, country: 'CM' }, channel: 'mobile', type: 'TRANSFER', balance: 20000 };
    const parsed = parseTransactionMessage(msg(JSON.stringify(full)));
    expect(parsed).toStrictEqual({
      ok: true,
      value: { transaction: { ...good, account: 'CM-001', location: { lat: 4.05, lon: 9.7, country: 'CM' }, channel: 'mobile', type: 'TRANSFER', balanceBefore: 20000 }, ref: a.ref },
    });
  });
});

describe('parseTransaction on bytes', () => {
  const bytes = (raw: Uint8Array): TransactionMessage => ({ raw, ref: { source: 'transaction', partition: 0, offset: 3 }, time: 5000 });

  it('decodes UTF-8 and parses', () => {
    const withAccent = { ...good, account: 'Océane' };
    expect(parseTransactionMessage(bytes(Buffer.from(JSON.stringify(withAccent))))).toStrictEqual({
      ok: true,
      value: { transaction: withAccent, ref: { source: 'transaction', partition: 0, offset: 3 } },
    });
  });

  it('dead-letters invalid UTF-8 with its exact bytes instead of storing U+FFFD', () => {
    const raw = Buffer.concat([Buffer.from('{"id":1234,"transaction_id":56789,"amount":1,"currency":"XAF","timestamp":"2026-11-22 10:00:00","account":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const parsed = parseTransactionMessage(bytes(raw));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.dead.reason).toBe(`invalid UTF-8 at byte ${raw.indexOf(0xff)}`);
    expect(Buffer.from(parsed.dead.bytes!).equals(raw)).toBe(true);
    expect(parsed.dead.raw).toContain('\ufffd');
  });

  it('says when the last character is cut short', () => {
    const parsed = parseTransactionMessage(bytes(Buffer.from([0x7b, 0xc3])));
    expect(parsed.ok ? 'ok' : parsed.dead.reason).toBe('invalid UTF-8: the last character is cut short');
  });

  it('keeps the bytes of a message that is not JSON, a NUL among them', () => {
    const raw = Buffer.from([0x6e, 0x6f, 0x00, 0x6a, 0x73, 0x6f, 0x6e]);
    const parsed = parseTransactionMessage(bytes(raw));
    expect(parsed.ok ? 'ok' : parsed.dead.reason).toMatch(/^invalid JSON: /);
    if (!parsed.ok) expect(Buffer.from(parsed.dead.bytes!).equals(raw)).toBe(true);
  });
});
