import { type OperatorFunction, map } from 'rxjs';
import type { FiredRule, ModelScore, SourceRef, TransactionRecord } from '../../types.ts';

/**
 * A transaction record on its way through the rules: each rule that fires appends a reason and
 * raises the score; none drops it. `suspiciousOnly()` decides at the end.
 */
export interface Judged {
  readonly record: TransactionRecord;
  /** One short code per rule that fired, with its numbers, e.g. `frequency>5/10min`. */
  readonly reasons: readonly string[];
  /** The highest score of the rules that fired; 0 when none did. See each rule for its scale. */
  readonly score: number;
  /** It came behind its partition's watermark: judged against the state as it was, and left out of it. */
  readonly late: boolean;
  /**
   * 0 (or absent) for a record's decision on arrival; 1, 2, ... when a record that arrived later
   * but comes before it in event time changed that decision (see `decideOnArrival`).
   */
  readonly revision?: number;
  /** For a revision: the record whose arrival caused it, which is acknowledged once it is written. */
  readonly cause?: SourceRef;
  /** The rules of the rule language that fired (ids, versions, values, limits), when the rules explain. */
  readonly fired?: readonly FiredRule[];
  /** The named values of the rule language's rules at this transaction (their `feature`), when asked for. */
  readonly features?: Readonly<Record<string, number | null>>;
  /** The learned model's score (see `scoreByModel`), when a model scores the flow. */
  readonly model?: ModelScore;
  /** A shadow model's score, beside it: it decides nothing. */
  readonly shadow?: ModelScore;
}

/**
 * Starts the judgement of each record: no reason, score 0, not late.
 *
 * ```
 * source:  -a-b-|
 *          judge()
 * output:  -A-B-|     A = { record: a, reasons: [], score: 0, late: false }
 * ```
 *
 * @example
 * records$.pipe(judge(), amountAbove(), frequency(), suspiciousOnly())
 *
 * @return An Observable of the records, each wrapped in an empty judgement.
 */
export function judge(): OperatorFunction<TransactionRecord, Judged> {
  return map((record) => ({ record, reasons: [], score: 0, late: false }));
}

/** The judgement with one more reason; the score becomes the higher of the two. */
export function flag(judged: Judged, reason: string, score: number): Judged {
  return { ...judged, reasons: [...judged.reasons, reason], score: Math.max(judged.score, score) };
}
