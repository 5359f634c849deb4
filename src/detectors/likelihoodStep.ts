import { type LikelihoodScore, type LikelihoodScoreOptions, checkLikelihoodScoreOptions, defaultAnomalyLikelihoodOptions } from './anomalyLikelihood.ts';
import { ANOMALY, type Detection, INITIALISING, NORMAL } from '../types.ts';

/** The `anomalyLikelihood` operator's options with their defaults; throws a RangeError naming the first out of range. */
export function likelihoodOptions(options: Partial<LikelihoodScoreOptions> = {}): LikelihoodScoreOptions {
  const o: LikelihoodScoreOptions = { ...defaultAnomalyLikelihoodOptions, spatialTolerance: 0.05, suppress: 0, threshold: 0.5, ...options };
  checkLikelihoodScoreOptions(o);
  return o;
}

/**
 * One upstream detection to the likelihood's, with `likelihood` (which it updates) and the
 * anomaly threshold: what the `anomalyLikelihood` operator maps each detection with, and what a
 * flow's per-series detector does with its upstream's.
 */
export function likelihoodStep(likelihood: LikelihoodScore, threshold: number): (d: Detection) => Detection {
  return (d) => {
    const score = likelihood.update(d.score, d.value);
    const detector = `${d.detector}+likelihood`;
    if (score === null) {
      const fill = d.score === null ? d.fill / 2 : (1 + likelihood.fill) / 2;
      return { ...d, state: INITIALISING, detector, score, fill };
    }
    return { ...d, state: score >= threshold ? ANOMALY : NORMAL, detector, score, fill: 1 };
  };
}
