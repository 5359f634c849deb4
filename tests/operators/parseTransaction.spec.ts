import { describe, expect, it } from 'vitest';
import { PARSE_TRANSACTION, parseTransaction, parseTransactionMessage, type RawMessage } from '../../src/operators/parseTransaction.ts';
import { marbles } from '../helpers/marbles.ts';

const msg = (raw: string, offset = 0): RawMessage => ({ raw, ref: { source: 'transaction', partition: 0, offset }, time: 5000 });
const good = { id: 1234, transaction_id: 56789, amount: 15000.5, currency: 'XAF', timestamp: '2026-11-22 10:00:00' };
const a = msg(JSON.stringify(good), 0);
const b = msg('not json', 1);
const reason = (m: RawMessage): string => {
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
    [{ ...good, timestamp: '2026-13-45 10:00:00' }, /^timestamp: not a real date and time/],
    [{ ...good, location: { lat: 4.05 } }, /^location: expected both lat and lon/],
    [{ ...good, amount: Infinity }, /^amount: /],
    [{ ...good, timestamp: 'yesterday' }, /^timestamp: expected YYYY-MM-DD HH:MM:SS/],
    [{ id: 1 }, /transaction_id: .*; amount: .*; currency: .*; timestamp: /],
    [[1, 2], /^message: /],
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
