import type { OperatorFunction } from 'rxjs';
import { type RobustZScoreOptions, checkRobustZScoreOptions, createRobustZScore, defaultRobustZScoreOptions } from '../detectors/robustZScore.ts';
import type { Detection, Reading } from '../types.ts';
import { detectOnline } from './detectOnline.ts';

export interface RobustZScoreOperatorOptions extends Partial<RobustZScoreOptions> {
  /** A score at or above this is an anomaly; 0.9 is a robust z of about 6.9 at scale 3. */
  readonly threshold?: number;
}

/**
 * Scores each reading by its rolling robust z-score: its distance from the median of the
 * `window` readings before it, in MADs (scaled to a standard deviation), mapped into [0, 1).
 *
 * It learns as it goes and refits nothing: each reading joins the window after it is scored, the
 * oldest leaves. Until `minValues` readings have arrived, each reading is initialising (state -2).
 * On its own it alarms on every reading of a level shift until the median catches up; pipe it
 * into `anomalyLikelihood()` to hear of the shift once.
 *
 * ```
 * source:  -a--b--c--d--e--|        a..d = 10, 11, 10, 11; e = 50
 *          robustZScore({ window: 4, minValues: 2 })
 * output:  -A--B--C--D--E--|
 *
 * A, B = initialising (fill 1/3, 2/3), C, D = normal, E = anomaly (score near 1)
 * ```
 *
 * @example
 * readings$.pipe(robustZScore({ window: 100 }), anomalyLikelihood())
 *
 * @param options window (100), minValues (10), scale (3: score = 1 - exp(-z / scale)) and
 * threshold (0.9).
 * @return An Observable of one `Detection` per reading, with detector `robust-z-score`.
 */
export function robustZScore({ threshold = 0.9, ...rest }: RobustZScoreOperatorOptions = {}): OperatorFunction<Reading, Detection> {
  const options = { ...defaultRobustZScoreOptions, ...rest };
  checkRobustZScoreOptions(options); // at assembly, not at the first reading
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`robustZScore: threshold must be in (0, 1], got ${threshold}`);
  return detectOnline('robust-z-score', () => createRobustZScore(options), threshold); // one detector per subscription
}
