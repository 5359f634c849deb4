import { type OperatorFunction, type SchedulerLike, pipe } from 'rxjs';
import type { SuspiciousTransaction, TransactionRecord } from '../../types.ts';
import { type AmountAboveOptions, amountAbove } from './amountAbove.ts';
import { type AmountZScoreOptions, amountZScore } from './amountZScore.ts';
import { type BalanceDrainOptions, balanceDrain } from './balanceDrain.ts';
import { type FrequencyOptions, frequency } from './frequency.ts';
import { type Judged, judge } from './judged.ts';
import { type LocationOptions, location } from './location.ts';
import { suspiciousOnly } from './suspiciousOnly.ts';

export { amountAbove, amountZScore, balanceDrain, frequency, judge, location, suspiciousOnly };
export { eventTime } from './eventTime.ts';
export type { Judged } from './judged.ts';

export interface DefaultRulesOptions {
  readonly amount?: AmountAboveOptions;
  readonly drain?: BalanceDrainOptions;
  readonly frequency?: Omit<FrequencyOptions, 'allowedLatenessMs'>;
  readonly location?: Omit<LocationOptions, 'allowedLatenessMs'>;
  readonly zScore?: Omit<AmountZScoreOptions, 'allowedLatenessMs'>;
  /** How late (in event time) a record may arrive and still be judged by the stateful rules; 30 s by default. */
  readonly allowedLatenessMs?: number;
  /** Held records are released after this much processing time without a new record; 1 s by default. */
  readonly idleMs?: number;
  /** Measures that idle time; a marble test passes its virtual scheduler. */
  readonly scheduler?: SchedulerLike;
}

/**
 * The rules as a bank would run them, in one pipe: amount, balance drain, frequency, location and
 * amount z-score, keeping the records that at least one flagged.
 *
 * Only the first stateful rule (frequency) waits `allowedLatenessMs`: it emits in event-time
 * order, so the next ones run with no lateness and add no latency, and records it marked late
 * pass them unjudged.
 *
 * ```
 * source:  -a-b-c-d-|
 *          defaultRules()
 * output:  ---------(BD|)   (b, d flagged; the rest wait for the watermark, here until completion)
 * ```
 *
 * @example
 * records$.pipe(defaultRules({ frequency: { max: 10 }, allowedLatenessMs: 60_000 }))
 *
 * @param options each rule's options, and the allowed lateness.
 * @return An Observable of the suspicious transactions, in event-time order except for late ones.
 */
export function defaultRules(options: DefaultRulesOptions = {}): OperatorFunction<TransactionRecord, SuspiciousTransaction> {
  return pipe(judgeRules(options), suspiciousOnly());
}

/**
 * The same rules, but every record comes out with its judgement (reasons empty when none fired):
 * what a flow needs to acknowledge the records that are not suspicious, and an evaluation to
 * count the true negatives.
 */
export function judgeRules(options: DefaultRulesOptions = {}): OperatorFunction<TransactionRecord, Judged> {
  const { allowedLatenessMs = 30_000, idleMs = 1_000, scheduler } = options;
  const idle = { ms: idleMs, ...(scheduler ? { scheduler } : {}) };
  return pipe(
    judge(),
    amountAbove(options.amount),
    balanceDrain(options.drain),
    frequency({ ...options.frequency, allowedLatenessMs, idle }),
    // frequency's output is in event-time order: the next two judge as records come
    location({ ...options.location, allowedLatenessMs: 0, idle: { ...idle, ordered: true } }),
    amountZScore({ ...options.zScore, allowedLatenessMs: 0, idle: { ...idle, ordered: true } }),
  );
}
