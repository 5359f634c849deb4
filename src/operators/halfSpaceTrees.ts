import type { OperatorFunction } from 'rxjs';
import { type HalfSpaceTreesOptions, checkHalfSpaceTreesOptions, createHalfSpaceTrees, defaultHalfSpaceTreesOptions } from '../detectors/halfSpaceTrees.ts';
import type { Detection, Reading } from '../types.ts';
import { detectOnline } from './detectOnline.ts';

export interface HalfSpaceTreesOperatorOptions extends Partial<HalfSpaceTreesOptions> {
  /** A score at or above this is an anomaly. */
  readonly threshold?: number;
}

/**
 * Scores each reading by how seldom the recent past visited its shingle (it and the
 * `shingle - 1` readings before it), with streaming Half-Space Trees (Tan, Ting & Liu 2011).
 *
 * The trees are random and fixed; only their masses learn, online: each shingle is counted in
 * the current window's masses, and every `windowSize` readings those become the reference the
 * next shingles are scored against. Until the first reference exists, readings are initialising.
 *
 * ```
 * source:  -a--b--c--d--e--|        a..d = 1, 1, 1, 1; e = 9
 *          halfSpaceTrees({ shingle: 1, windowSize: 2 })
 * output:  -A--B--C--D--E--|
 *
 * A, B = initialising, C, D = normal (score low), E = high score (never seen that far out)
 * ```
 *
 * @example
 * readings$.pipe(halfSpaceTrees({ shingle: 4 }), anomalyLikelihood({ suppress: 20 }))
 *
 * @param options shingle (4), trees (25), depth (10), windowSize (250), sizeLimit (5), seed (42)
 * and threshold (0.5).
 * @return An Observable of one `Detection` per reading, with detector `half-space-trees`.
 */
export function halfSpaceTrees({ threshold = 0.5, ...rest }: HalfSpaceTreesOperatorOptions = {}): OperatorFunction<Reading, Detection> {
  const options = { ...defaultHalfSpaceTreesOptions, ...rest };
  checkHalfSpaceTreesOptions(options); // at assembly, not at the first reading
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`halfSpaceTrees: threshold must be in (0, 1], got ${threshold}`);
  return detectOnline('half-space-trees', () => createHalfSpaceTrees(options), threshold); // one detector per subscription
}
