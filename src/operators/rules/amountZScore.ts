import type { OperatorFunction } from 'rxjs';
import { type AccountRule, NO_FLAGS } from './accountRule.ts';
import { type DecideOnArrivalOptions, decideOnArrival } from './decideOnArrival.ts';
import type { Judged } from './judged.ts';
import { robustZ } from '../../rules/measures.ts';

export { robustZ };

export interface AmountZScoreOptions {
  /** How many of the account's last amounts make its history. 20 by default. */
  readonly window?: number;
  /** The robust z-score above which an amount fires (Iglewicz–Hoaglin suggest 3.5, the default). */
  readonly threshold?: number;
  /** Amounts to know before judging. 5 by default. */
  readonly minHistory?: number;
  /** The MAD never counts as less than this fraction of |median|. 0.05 by default. */
  readonly madFloor?: number;
  /** An account idle this long in event time is forgotten. 30 days by default: the history is the point. */
  readonly ttlMs?: number;
}

/** The z-score rule for `decideOnArrival`; its state, the account's last `window` amounts. */
export function amountZScoreRule({
  window = 20,
  threshold = 3.5,
  minHistory = 5,
  madFloor = 0.05,
  ttlMs = 30 * 24 * 3_600_000,
}: AmountZScoreOptions = {}): AccountRule<number[]> {
  if (!(Number.isInteger(window) && window >= 1)) throw new RangeError(`amountZScore: window must be an integer >= 1, got ${window}`);
  if (!(Number.isInteger(minHistory) && minHistory >= 1 && minHistory <= window)) {
    throw new RangeError(`amountZScore: minHistory must be an integer in [1, window], got ${minHistory}`);
  }
  if (!(threshold > 0)) throw new RangeError(`amountZScore: threshold must be > 0, got ${threshold}`);
  if (!(madFloor >= 0)) throw new RangeError(`amountZScore: madFloor must be >= 0, got ${madFloor}`);
  if (!(ttlMs > 0)) throw new RangeError(`amountZScore: ttlMs must be > 0, got ${ttlMs}`);
  const reason = `zscore>${threshold}`;
  return {
    name: 'amountZScore',
    version: 1,
    ttlMs,
    init: () => [],
    step: (history, { amount }) => {
      let flags = NO_FLAGS;
      if (history.length >= minHistory) {
        const z = robustZ(amount, history, madFloor);
        if (z > threshold) flags = [{ reason, score: z / threshold }];
      }
      const next = history.length >= window ? [...history.slice(history.length - window + 1), amount] : [...history, amount];
      return { state: next, flags };
    },
  };
}

/**
 * Flags an amount far above the account's usual ones: its robust z-score (median and MAD of the
 * account's last `window` amounts, see {@link robustZ}) is above `threshold`, once `minHistory`
 * amounts are known. Only high amounts fire. Reason `zscore>3.5`, score z / threshold.
 *
 * Decided on arrival (see `decideOnArrival`); late records are judged against the history as it
 * is and left out of it. Every amount judged joins the history, flagged or not.
 *
 * ```
 * source:  -a-a-a-a-a-b-|     a = 100 XAF, b = 5 000 XAF, same account
 *          amountZScore({ minHistory: 5 })
 * output:  -a-a-a-a-a-B-|     B = b + { reasons: ['zscore>3.5'], score: 188.9... }
 * ```
 *
 * @example
 * records$.pipe(judge(), amountZScore({ window: 50, threshold: 5 }), suspiciousOnly())
 *
 * @param options the history's length, the threshold, the MAD floor, the TTL and the lateness.
 * @return An Observable of every judgement as its record arrives (not in event-time order),
 * each followed by the revisions it caused.
 */
export function amountZScore(options: AmountZScoreOptions & DecideOnArrivalOptions = {}): OperatorFunction<Judged, Judged> {
  return decideOnArrival([amountZScoreRule(options)], options);
}
