import { type OperatorFunction, map, zip } from 'rxjs';
import { broadcast } from './broadcast.ts';
import { type EnsembleOptions, type EnsembleWeight, ensembleScore } from '../detectors/ensembleScore.ts';
import type { Detection, Reading } from '../types.ts';

export type { EnsembleOptions } from '../detectors/ensembleScore.ts';

/** One detector of an {@link ensemble}, and the score at which it alone would alarm. */
export interface EnsembleMember extends EnsembleWeight {
  readonly detector: OperatorFunction<Reading, Detection>;
}

/**
 * Runs several detectors on the same readings and averages what they say, each relative to its
 * own alarm threshold: detectors that err on different readings cancel out each other's false
 * alarms, while a change that several see stands out.
 *
 * Each member's score s is read as s / (2 × its threshold), so a member exactly at its threshold
 * contributes 0.5; the ensemble's score is the weighted mean of those, capped at 1. A member still learning
 * contributes 0, and the ensemble is initialising only while every member is (its fill is theirs
 * on average). The source is subscribed once and shared by the members; every member must emit
 * exactly one Detection per reading, in order, as vigie's detectors do.
 *
 * ```
 * source:  -a--b--c--|
 *          ensemble([{ detector: x, threshold: 0.5 }, { detector: y, threshold: 0.25 }], { name: 'xy' })
 * output:  -A--B--C--|
 *
 * x says:   -    0.5   1
 * y says:   -    0     0.5
 * A = initialising, B = (0.5 + 0) / 2 = 0.25, C = min(1, (1 + 1) / 2) = 1: an anomaly
 * ```
 *
 * @example
 * readings$.pipe(ensemble([
 *   { detector: art(), threshold: 0.29 },
 *   { detector: pipe(halfSpaceTrees(), anomalyLikelihood()), threshold: 0.6 },
 * ], { name: 'art+hst' }))
 *
 * @param members the detectors, their own thresholds (> 0) and weights (1), at least one.
 * @param options the ensemble's name and threshold (0.5).
 * @return An Observable of one `Detection` per reading.
 */
export function ensemble(members: readonly EnsembleMember[], options: EnsembleOptions): OperatorFunction<Reading, Detection> {
  const combine = ensembleScore(members, options);
  return broadcast((shared) => zip(members.map((m) => shared.pipe(m.detector))).pipe(map(combine)));
}
