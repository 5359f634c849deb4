import { ANOMALY, type Detection, INITIALISING, NORMAL } from '../types.ts';

export interface EnsembleOptions {
  /** The ensemble's name, copied into each Detection. */
  readonly name: string;
  /** A combined score at or above this is an anomaly; 0.5 means "the members, on average, at their thresholds". */
  readonly threshold?: number;
}

/** What the combination needs of one member: its own alarm threshold and its say. */
export interface EnsembleWeight {
  /** The member's own alarm threshold: its scores are read relative to it. */
  readonly threshold: number;
  /** Its say in the combined score, relative to the other members' (> 0). Default 1. */
  readonly weight?: number;
}

/**
 * The members' detections of one reading, in members' order, combined into the ensemble's: each
 * score read relative to its member's threshold, weighted, capped at 1. The `ensemble` operator
 * and a flow's per-series detectors (held in a state store) both combine with it.
 * Throws a RangeError for a member's or the ensemble's threshold or weight out of range.
 */
export function ensembleScore(members: readonly EnsembleWeight[], { name, threshold = 0.5 }: EnsembleOptions): (said: readonly Detection[]) => Detection {
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
