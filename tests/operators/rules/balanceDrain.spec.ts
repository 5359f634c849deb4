import { describe, expect, it } from 'vitest';
import { balanceDrain } from '../../../src/operators/rules/balanceDrain.ts';
import { marbles } from '../../helpers/marbles.ts';
import { judged, tx } from './records.ts';

describe('balanceDrain', () => {
  const half = judged(tx(0, 0, { amount: 50, balanceBefore: 100, type: 'TRANSFER' }));
  const exactly = judged(tx(1, 1, { amount: 90, balanceBefore: 100, type: 'CASH_OUT' }));
  const cashIn = judged(tx(2, 2, { amount: 100, balanceBefore: 100, type: 'CASH_IN' }));
  const noBalance = judged(tx(3, 3, { amount: 100 }));
  const zero = judged(tx(4, 4, { amount: 100, balanceBefore: 0 }));
  const untyped = judged(tx(5, 5, { amount: 200, balanceBefore: 100 }));
  const E = judged(exactly.record, ['drain>=90%'], 0.9);

  it('flags debits of at least 90% of the balance, exactly 90% included', marbles((m) => {
    const source = m.cold('-h-e-c-n-z-u-|', { h: half, e: exactly, c: cashIn, n: noBalance, z: zero, u: untyped });
    m.expect(source.pipe(balanceDrain())).toBeObservable('-h-E-c-n-z-U-|', {
      h: half, E, c: cashIn, n: noBalance, z: zero, U: judged(untyped.record, ['drain>=90%'], 2),
    });
  }));

  it('takes another ratio', marbles((m) => {
    m.expect(m.cold('-h-|', { h: half }).pipe(balanceDrain({ ratio: 0.5 }))).toBeObservable('-H-|', {
      H: judged(half.record, ['drain>=50%'], 0.5),
    });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-e-#', { e: exactly }).pipe(balanceDrain())).toBeObservable('-E-#', { E });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-e-e-e-|', { e: exactly });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(balanceDrain()), subs).toBeObservable('-E--', { E });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('rejects a ratio that is not positive', () => {
    expect(() => balanceDrain({ ratio: 0 })).toThrow(/ratio must be a positive number, got 0/);
  });
});
