import { type OperatorFunction, map } from 'rxjs';
import { type Judged, flag } from './judged.ts';

export interface BalanceDrainOptions {
  /** amount / balanceBefore at or above which a debit fires, in (0, ∞); 0.9 by default. */
  readonly ratio?: number;
}

/**
 * Flags the debits that take at least `ratio` of the balance: the account-emptying pattern of
 * fraudulent transfers and cash-outs. Reason `drain>=90%`, score amount / balanceBefore.
 *
 * Only transactions with a `balanceBefore` above 0 are judged; every type but `CASH_IN` counts as
 * a debit (a transaction with no type too: money leaving is the safer assumption). Stateless: late
 * records are judged too.
 *
 * ```
 * source:  -a----b----c----|
 *          balanceDrain()
 * output:  -a----B----c----|
 *
 * a = 50 of 100   b = 90 of 100 (0.9, fires)   c = CASH_IN 100 of 100
 * ```
 *
 * @example
 * records$.pipe(judge(), balanceDrain({ ratio: 0.8 }), suspiciousOnly())
 *
 * @param options the ratio; 0.9 by default.
 * @return An Observable of every judgement, flagged or not.
 */
export function balanceDrain({ ratio = 0.9 }: BalanceDrainOptions = {}): OperatorFunction<Judged, Judged> {
  if (!(Number.isFinite(ratio) && ratio > 0)) throw new RangeError(`balanceDrain: ratio must be a positive number, got ${ratio}`);
  const reason = `drain>=${Math.round(ratio * 10_000) / 100}%`;
  return map((judged) => {
    const { amount, balanceBefore, type } = judged.record.transaction;
    if (balanceBefore === undefined || !(balanceBefore > 0) || type === 'CASH_IN') return judged;
    const drained = amount / balanceBefore;
    return drained >= ratio ? flag(judged, reason, drained) : judged;
  });
}
