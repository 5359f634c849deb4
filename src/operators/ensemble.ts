import { type OperatorFunction, map, zip } from 'rxjs';
import { broadcast } from './broadcast.ts';
import { ANOMALY, type Detection, INITIALISING, NORMAL, type Reading } from '../types.ts';

/** One detector of an {@link ensemble}, and the score at which it alone would alarm. */
export interface EnsembleMember {
  readonly detector: OperatorFunction<Reading, Detection>;
  /** The member's own alarm threshold: its scores are read relative to it. */
  readonly threshold: number;
  /** Its say in the combined score, relative to the other members' (> 0). Default 1. */
  readonly weight?: number;
}

export interface EnsembleOptions {
  /** The ensemble's name, copied into each Detection. */
  readonly name: string;
  /** A combined score at or above this is an anomaly; 0.5 means "the members, on average, at their thresholds". */
  readonly threshold?: number;
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

/**
 * The combination alone, for detectors held some other way (a flow keeps one per series in its
 * state store): the members' detections of one reading, in members' order, give the ensemble's.
 * Throws a RangeError for a member's or the ensemble's threshold or weight out of range.
 */
export function ensembleScore(members: readonly Omit<EnsembleMember, 'detector'>[], { name, threshold = 0.5 }: EnsembleOptions): (said: readonly Detection[]) => Detection {
  if (members.length === 0) throw new RangeError('ensemble: needs at least one member');
  members.forEach((m, i) => {
    if (!(m.threshold > 0 && Number.isFinite(m.threshold))) throw new RangeError(`ensemble: member ${i}'s threshold must be a finite number > 0, got ${m.threshold}`);
    if (m.weight !== undefined && !(m.weight > 0 && Number.isFinite(m.weight))) throw new RangeError(`ensemble: member ${i}'s weight must be a finite number > 0, got ${m.weight}`);
  });
  // each score's factor: its weight share, over twice its threshold
  const totalWeight = members.reduce((sum, m) => sum + (m.weight ?? 1), 0);
  const factors = members.map((m) => (m.weight ?? 1) / totalWeight / (2 * m.threshold));
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`ensemble: threshold must be in (0, 1], got ${threshold}`);
  return (said) => {
    const { topic, value, time, ref } = said[0]!;
    if (said.every((d) => d.score === null)) {
      return { topic, value, time, state: INITIALISING, detector: name, score: null, fill: said.reduce((f, d) => f + d.fill, 0) / said.length, ref };
    }
    let sum = 0;
    said.forEach((d, i) => (sum += (d.score ?? 0) * factors[i]!));
    const score = Math.min(1, sum);
    return { topic, value, time, state: score >= threshold ? ANOMALY : NORMAL, detector: name, score, fill: 1, ref };
  };
}
