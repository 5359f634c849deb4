import { type OperatorFunction, defer, map } from 'rxjs';
import { ANOMALY, type Detection, INITIALISING, NORMAL, type Reading } from '../types.ts';

/** A detector that learns as it goes: one value in, its score out, no window refitted. */
export interface OnlineDetector {
  /** The value's score in [0, 1], higher is more anomalous; null while the detector still learns. */
  update(value: number, time: number): number | null;
  /** While `update` returns null: how far through learning, in [0, 1). */
  readonly fill: number;
}

/**
 * Turns an online detector into an operator: what vigie's streaming detectors share, so that
 * `halfSpaceTrees`, `contextual` and the others only say how to make their detector.
 *
 * Each subscription gets a detector of its own (`create` is called on subscribe), so two
 * subscribers, or a resubscription after an error, never share learned state. While it learns,
 * each reading is initialising (state -2, no score, its fill); then it gets the detector's score
 * and is an anomaly (-1) when the score reaches `threshold`, normal (1) otherwise. An error thrown
 * by the detector (a value it cannot take) reaches the subscriber's `error`.
 *
 * ```
 * source:  -a--b--c--|
 *          detectOnline('name', create, 0.5)      (the detector learns from a, then says 0.2, 0.9)
 * output:  -A--B--C--|
 *
 * A = a initialising, B = b normal (score 0.2), C = c anomaly (score 0.9)
 * ```
 *
 * @example
 * readings$.pipe(detectOnline('last-jump', () => {
 *   let last: number | null = null;
 *   return {
 *     update(value) { const jump = last === null ? null : Math.min(1, Math.abs(value - last) / 10); last = value; return jump; },
 *     fill: 0,
 *   };
 * }, 0.5))
 *
 * @param detector the detector's name, copied into each {@link Detection}.
 * @param create makes a fresh detector.
 * @param threshold a score at or above it is an anomaly.
 * @return An Observable of one {@link Detection} per reading.
 */
export function detectOnline(detector: string, create: () => OnlineDetector, threshold: number): OperatorFunction<Reading, Detection> {
  return (source) =>
    defer(() => {
      const online = create();
      return source.pipe(
        map(({ topic, value, time, ref }): Detection => {
          const score = online.update(value, time);
          if (score === null) return { topic, value, time, state: INITIALISING, detector, score, fill: online.fill, ref };
          return { topic, value, time, state: score >= threshold ? ANOMALY : NORMAL, detector, score, fill: 1, ref };
        }),
      );
    });
}
