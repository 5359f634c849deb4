import type { OperatorFunction } from 'rxjs';
import { checkDbscanOptions, dbscanLabel } from '../detectors/dbscan.ts';
import type { Detection, Reading } from '../types.ts';
import { detectWith } from './detectWith.ts';
import type { WarmUpEvent } from './warmUp.ts';

export interface DbscanOperatorOptions {
  /** Neighbourhood radius; scikit-learn's default 0.5. */
  readonly eps?: number;
  /** Neighbours (itself included) that make a core point; scikit-learn's default 5. */
  readonly minSamples?: number;
}

/**
 * Labels each reading as scikit-learn's DBSCAN fitted on its window would: the prototype's
 * `DBSCAN(eps, min_samples).fit_predict(window)[-1]`, without Python.
 *
 * A reading is an anomaly when it is noise: fewer than `minSamples` readings of its window lie
 * within `eps` of it, and none of those is itself such a dense point. Its score is in [0, 1],
 * above 0.5 exactly when it is noise (see `dbscanLabel`).
 *
 * ```
 * source:  -a--b--c--d--|        a = 10, b = 10, c = 10, d = 99
 *          warmUp(3), dbscan({ eps: 1, minSamples: 2 })
 * output:  -A--B--C--D--|
 *
 * A, B = initialising (fill 1/3, 2/3), C = normal (score 0), D = anomaly (score 1)
 * ```
 *
 * @example
 * readings$.pipe(warmUp(21), dbscan({ eps: 2, minSamples: 5 }))
 *
 * @param options eps and minSamples; scikit-learn's defaults (0.5, 5) when left out.
 * @return An Observable of one `Detection` per window event, with detector `dbscan`.
 */
export function dbscan({ eps = 0.5, minSamples = 5 }: DbscanOperatorOptions = {}): OperatorFunction<
  WarmUpEvent<Reading>,
  Detection
> {
  const options = { eps, minSamples };
  checkDbscanOptions(options); // at assembly, not at the first window
  return detectWith('dbscan', (values) => {
    const { noise, score } = dbscanLabel(values, options);
    return { anomaly: noise, score };
  });
}
