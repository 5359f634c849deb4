import { type OperatorFunction, map } from 'rxjs';
import { ANOMALY, type Detection, INITIALISING, NORMAL, type Reading } from '../types.ts';
import type { WarmUpEvent } from './warmUp.ts';

/** A detector's verdict on the newest value of a window (the last one). */
export interface Verdict {
  readonly anomaly: boolean;
  /** Higher is more anomalous. */
  readonly score: number;
}

/**
 * Turns a window-labelling function into a detector operator: what every detector of the
 * prototype shares, so that `dbscan` and `isolationForest` only say how to label a window.
 *
 * While the window fills, each reading is initialising (state -2, no score, its fill ratio);
 * once it is full, the newest reading gets the detector's state (-1 anomaly, 1 normal) and score.
 * An error thrown by `label` reaches the subscriber's `error`, as with any `map`.
 *
 * ```
 * source:  -a--b--c--d--|
 *          warmUp(3), detectWith('name', label)
 * output:  -A--B--C--D--|
 *
 * A = a initialising (fill 1/3), B = b initialising (fill 2/3),
 * C = label([a, b, c]) for c, D = label([b, c, d]) for d
 * ```
 *
 * @example
 * readings$.pipe(warmUp(21), detectWith('threshold', (values) => {
 *   const score = values[values.length - 1]! / 100;
 *   return { anomaly: score > 1, score };
 * }))
 *
 * @param detector the detector's name, copied into each {@link Detection}.
 * @param label labels the newest (last) of the window's values, oldest first.
 * @return An Observable of one {@link Detection} per {@link WarmUpEvent}.
 */
export function detectWith(
  detector: string,
  label: (values: readonly number[]) => Verdict,
): OperatorFunction<WarmUpEvent<Reading>, Detection> {
  return map((event): Detection => {
    const { topic, value, time, ref } = event.item;
    if (event.kind === 'filling') {
      return { topic, value, time, state: INITIALISING, detector, score: null, fill: event.fill, ref };
    }
    const { anomaly, score } = label(event.window.map((r) => r.value));
    return { topic, value, time, state: anomaly ? ANOMALY : NORMAL, detector, score, fill: 1, ref };
  });
}
