import { describe, expect, it } from 'vitest';
import { amountAbove } from '../../../src/operators/rules/amountAbove.ts';
import { marbles } from '../../helpers/marbles.ts';
import { judged, tx } from './records.ts';

describe('amountAbove', () => {
  const a = judged(tx(0, 0, { amount: 10_000 }));
  const b = judged(tx(1, 1, { amount: 15_000 }));
  const c = judged(tx(2, 2, { amount: 50_000, currency: 'EUR' }));
  const B = judged(b.record, ['amount>10000XAF'], 1.5);

  it('flags amounts strictly above the limit of their currency and passes every record on', marbles((m) => {
    m.expect(m.cold('-a-b-c-|', { a, b, c }).pipe(amountAbove())).toBeObservable('-a-B-c-|', { a, B, c });
  }));

  it('appends to earlier reasons and keeps the highest score', marbles((m) => {
    const earlier = judged(b.record, ['x'], 3);
    m.expect(m.cold('-b-|', { b: earlier }).pipe(amountAbove())).toBeObservable('-B-|', {
      B: judged(b.record, ['x', 'amount>10000XAF'], 3),
    });
  }));

  it('judges late records too: it has no state', marbles((m) => {
    const late = { ...b, late: true };
    m.expect(m.cold('-b-|', { b: late }).pipe(amountAbove())).toBeObservable('-B-|', { B: { ...B, late: true } });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-b-#', { b }).pipe(amountAbove())).toBeObservable('-B-#', { B });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-b-b-b-|', { b });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(amountAbove()), subs).toBeObservable('-B--', { B });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('rejects a limit that is not a positive number', () => {
    expect(() => amountAbove({ limits: { XAF: 0 } })).toThrow(/limit for XAF must be a positive number, got 0/);
  });
});
