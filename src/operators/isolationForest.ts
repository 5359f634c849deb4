import type { OperatorFunction } from 'rxjs';
import { checkIsolationForestOptions, isolationForestScore } from '../detectors/isolationForest.ts';
import type { Detection, Reading } from '../types.ts';
import { detectWith } from './detectWith.ts';
import type { WarmUpEvent } from './warmUp.ts';

export interface IsolationForestOperatorOptions {
  /** Trees per window; scikit-learn's default 100. */
  readonly trees?: number;
  /** Values per tree, at most; scikit-learn's `max_samples='auto'`, 256. */
  readonly sampleSize?: number;
  /** Makes the scores reproducible; 42 by default. */
  readonly seed?: number;
  /**
   * A score above this is an anomaly. Not scikit-learn's 0.5 (`contamination='auto'`): on a window
   * of 21 Gaussian values the newest is above 0.5 a quarter of the time, being often the window's
   * extreme; 0.7 leaves about 1.5% false positives and still catches 6-sigma spikes in 99% of
   * windows (4000 seeded windows, trees 100).
   */
  readonly threshold?: number;
}

/**
 * Scores each reading with an IsolationForest fitted on its window: the prototype's
 * `IsolationForest().fit(window)` on the newest value, seeded so a replay gives the same states.
 *
 * Values that a few random splits isolate from the rest of the window score close to 1; values
 * deep in the crowd score below 0.5. A reading is an anomaly when its score exceeds `threshold`.
 *
 * ```
 * source:  -a--b--c--d--|        a = 10, b = 10, c = 10, d = 99
 *          warmUp(3), isolationForest({ threshold: 0.5 })
 * output:  -A--B--C--D--|
 *
 * A, B = initialising (fill 1/3, 2/3), C = normal (score 0.5: identical values),
 * D = anomaly (score 2^(-1/c(3)) ~ 0.56: the first split always isolates 99)
 * ```
 *
 * @example
 * readings$.pipe(warmUp(21), isolationForest({ trees: 100, seed: 7 }))
 *
 * @param options trees, sampleSize, seed and threshold; 100, 256, 42 and 0.7 when left out.
 * @return An Observable of one `Detection` per window event, with detector `isolation-forest`.
 */
export function isolationForest({
  trees = 100,
  sampleSize = 256,
  seed = 42,
  threshold = 0.7,
}: IsolationForestOperatorOptions = {}): OperatorFunction<WarmUpEvent<Reading>, Detection> {
  const options = { trees, sampleSize, seed };
  checkIsolationForestOptions(options); // at assembly, not at the first window
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`isolationForest: threshold must be in [0, 1], got ${threshold}`);
  }
  return detectWith('isolation-forest', (values) => {
    const score = isolationForestScore(values, options);
    return { anomaly: score > threshold, score };
  });
}
