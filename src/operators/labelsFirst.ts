import { type OperatorFunction, mergeMap } from 'rxjs';
import type { TransactionRecord } from '../types.ts';

/** A transaction of history with the label events known by its time (absent: none). */
export interface WithLabelEvents {
  readonly record: TransactionRecord;
  readonly labels?: readonly TransactionRecord[];
}

/**
 * Labelled history with its label events already in place (stored history: each transaction
 * carries the label events known by its time, see src/adapters/postgres/storedHistory.ts) as the
 * stream the rules see: each transaction's label events, then the transaction. What
 * `replayFeatures`' `toStream` takes when the labels came at times of their own rather than a
 * fixed delay after each fraud (that is `withDelayedLabels`). Label events give no row of the
 * matrix; the fraud flag is dropped here, as the rules never see it.
 *
 * ```
 * source:  -a-----b----|      b.labels = [L]
 *          labelsFirst()
 * output:  -a-----(Lb)-|
 * ```
 *
 * @example
 * fromStoredTransactions({ pool }).pipe(labelsFirst(), ruleFeatures(book))
 *
 * @return An Observable of the label events and the transactions, in the source's order.
 */
export function labelsFirst(): OperatorFunction<WithLabelEvents, TransactionRecord> {
  return mergeMap((labelled) => (labelled.labels === undefined ? [labelled.record] : [...labelled.labels, labelled.record]));
}
