/**
 * 10 000 generated malformed messages mixed with valid ones: every malformed one becomes a dead
 * letter with a reason and its raw text, every valid one is parsed, and nothing is lost.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkedTransaction, parseTransactionMessage } from '../../src/operators/parseTransaction.ts';

const valid = fc.record(
  {
    id: fc.integer({ min: 1000, max: 9999 }),
    transaction_id: fc.integer({ min: 10_000, max: 99_999 }),
    // in cents, as numeric(18, 2) stores them
    amount: fc.integer({ min: 0, max: 100_000_000_000 }).map((cents) => cents / 100),
    currency: fc.constantFrom('XAF', 'EUR', 'USD', 'XOF'),
    timestamp: fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19).replace('T', ' ')),
    // the simulated bank's optional fields: its account and terminal ids, and any other text
    account: fc.oneof(fc.integer({ min: 0, max: 9_999_999 }).map((n) => `C${String(n).padStart(7, '0')}`), fc.string({ minLength: 1, maxLength: 128 }).filter((t) => !t.includes('\u0000'))),
    terminal: fc.oneof(fc.integer({ min: 0, max: 9_999_999 }).map((n) => `T${String(n).padStart(7, '0')}`), fc.string({ minLength: 1, maxLength: 128 }).filter((t) => !t.includes('\u0000'))),
    channel: fc.constantFrom('card', 'mobile-money'),
  },
  { requiredKeys: ['id', 'transaction_id', 'amount', 'currency', 'timestamp'] },
);

/** One way to break a valid message, with the reason that must be given. */
const malformed = fc.oneof(
  fc.string().filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }).map((raw) => ({ raw, reason: /^invalid JSON/ })),
  fc.tuple(valid, fc.constantFrom('id', 'transaction_id', 'amount', 'currency', 'timestamp')).map(([v, field]) => {
    const { [field]: _gone, ...rest } = v as Record<string, unknown>;
    return { raw: JSON.stringify(rest), reason: new RegExp(`^${field}: `) };
  }),
  fc.tuple(valid, fc.oneof(fc.string(), fc.boolean(), fc.constant(null))).map(([v, bad]) => ({ raw: JSON.stringify({ ...v, amount: bad }), reason: /^amount: / })),
  fc.tuple(valid, fc.double({ max: -Number.MIN_VALUE, noNaN: true })).map(([v, amount]) => ({ raw: JSON.stringify({ ...v, amount }), reason: /^amount: / })),
  fc.tuple(valid, fc.stringMatching(/^[A-Z]{3}$/).filter((c) => !Intl.supportedValuesOf('currency').includes(c))).map(([v, currency]) => ({ raw: JSON.stringify({ ...v, currency }), reason: /^currency: / })),
  fc.tuple(valid, fc.oneof(fc.constant(''), fc.constant('x'.repeat(129)), fc.constant('T\u0000'), fc.integer(), fc.constant(null))).map(([v, terminal]) => ({ raw: JSON.stringify({ ...v, terminal }), reason: /^terminal: / })),
  fc.tuple(valid, fc.string()).filter(([, t]) => !/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d/.test(t)).map(([v, timestamp]) => ({ raw: JSON.stringify({ ...v, timestamp }), reason: /^timestamp: / })),
);

describe('parseTransaction, property-based', () => {
  it('dead-letters 10 000 malformed messages with their reasons and parses every valid one', () => {
    const bad = fc.sample(malformed, { numRuns: 10_000, seed: 42 });
    const good = fc.sample(valid, { numRuns: 2_000, seed: 7 });
    const messages = [...bad.map((b) => ({ ...b, valid: false })), ...good.map((g) => ({ raw: JSON.stringify(g), reason: null, valid: true }))];
    let dead = 0;
    let parsed = 0;
    messages.forEach((m, offset) => {
      const result = parseTransactionMessage({ raw: m.raw, ref: { source: 'fuzz', partition: 0, offset }, time: 0 });
      if (m.valid) {
        expect(result.ok, m.raw).toBe(true);
        parsed++;
      } else {
        expect(result.ok, m.raw).toBe(false);
        if (!result.ok) {
          expect(result.dead.raw).toBe(m.raw);
          expect(result.dead.ref.offset).toBe(offset);
          expect(result.dead.reason, m.raw).toMatch(m.reason!);
        }
        dead++;
      }
    });
    expect(dead).toBe(10_000);
    expect(parsed).toBe(2_000);
  });
});

describe('parseTransaction, its fast path', () => {
  // values near every bound the schema checks, and of the wrong types
  const anything = fc.oneof(
    fc.integer(),
    fc.constantFrom(-2_147_483_649, -2_147_483_648, 2_147_483_647, 2_147_483_648, 0.5, -0, 1e16, 9_999_999_999_999_998, 0.1 + 0.2, 12.345, 12.34),
    fc.double(),
    fc.string(),
    fc.constantFrom('', 'XAF', 'xaf', 'ZZZ', '2026-02-30 10:00:00', '2026-11-22T10:00:00', '2026-11-22 10:00:00', 'a\u0000b', '\ud800', 'x'.repeat(129)),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 2 }),
  );
  const fields = fc.constantFrom('id', 'transaction_id', 'amount', 'currency', 'timestamp', 'account', 'terminal', 'channel', 'type', 'balance', 'location', 'other', '__proto__');
  const json = fc.tuple(valid, fc.array(fc.tuple(fields, anything), { maxLength: 3 }), fc.array(fields, { maxLength: 2 })).map(([v, changes, removed]) => {
    const o: Record<string, unknown> = { ...v };
    for (const [field, value] of changes) o[field] = value;
    for (const field of removed) delete o[field];
    return JSON.stringify(o);
  });

  it('gives exactly what the whole schema gives, valid or not, on 20 000 generated messages', () => {
    for (const [offset, raw] of fc.sample(json, { numRuns: 20_000, seed: 3 }).entries()) {
      const result = parseTransactionMessage({ raw, ref: { source: 'fuzz', partition: 0, offset }, time: 0 });
      const schema = checkedTransaction(JSON.parse(raw));
      if (typeof schema === 'string') expect(result.ok ? 'accepted' : result.dead.reason, raw).toBe(schema);
      else {
        expect(result.ok, raw).toBe(true);
        // the same object, its keys in the same order (they are written as JSON)
        expect(JSON.stringify(result.ok && result.value.transaction), raw).toBe(JSON.stringify(schema));
      }
    }
  });
});
