import { type OperatorFunction, filter, map, pipe } from 'rxjs';
import type { SuspiciousTransaction } from '../../types.ts';
import type { Judged } from './judged.ts';

/**
 * Ends the rules: keeps the records that at least one rule flagged, as suspicious transactions,
 * and every revision (one with no reasons clears an earlier decision).
 *
 * ```
 * source:  -a-B-c-D-|     B, D flagged
 *          suspiciousOnly()
 * output:  ---B---D-|     B = { transaction, ref, reasons, score }
 * ```
 *
 * With a `clock`, each one carries `decidedAt`, the clock's time as it comes out: the decision's
 * time, since the rules decide synchronously on arrival.
 *
 * @example
 * records$.pipe(judge(), amountAbove(), frequency(), suspiciousOnly({ clock: Date.now }))
 *
 * @param options `clock`: stamps `decidedAt` (epoch ms) when given.
 * @return An Observable of the suspicious transactions.
 */
export function suspiciousOnly({ clock }: { clock?: () => number } = {}): OperatorFunction<Judged, SuspiciousTransaction> {
  return pipe(
    filter((judged) => judged.reasons.length > 0 || (judged.revision ?? 0) > 0),
    // one object per row, its keys always in one order (no spread of a first one): every
    // suspicious record of a backlog comes this way
    map(({ record: { transaction, ref }, reasons, score, revision, cause, fired, model, shadow }): SuspiciousTransaction => {
      const out = suspicious(transaction, ref, reasons, score, revision, cause, clock);
      const explained = fired === undefined ? out : { ...out, fired };
      // a model's score and top features, and a shadow's score, when a model scores the flow
      if (model === undefined) return explained;
      return shadow === undefined ? { ...explained, model } : { ...explained, model, shadow };
    }),
  );
}

function suspicious(
  transaction: SuspiciousTransaction['transaction'],
  ref: SuspiciousTransaction['ref'],
  reasons: readonly string[],
  score: number,
  revision: number | undefined,
  cause: SuspiciousTransaction['cause'],
  clock: (() => number) | undefined,
): SuspiciousTransaction {
  if (revision === undefined || revision === 0) return clock === undefined ? { transaction, ref, reasons, score } : { transaction, ref, reasons, score, decidedAt: clock() };
  return clock === undefined ? { transaction, ref, reasons, score, revision, cause: cause! } : { transaction, ref, reasons, score, revision, cause: cause!, decidedAt: clock() };
}
