import { type OperatorFunction, defer, map } from 'rxjs';
import { type LikelihoodScoreOptions, createLikelihoodScore } from '../detectors/anomalyLikelihood.ts';
import { likelihoodOptions, likelihoodStep } from '../detectors/likelihoodStep.ts';
import type { Detection } from '../types.ts';

export type AnomalyLikelihoodOperatorOptions = Partial<LikelihoodScoreOptions>;

/**
 * Turns any detector's raw score into Numenta's anomaly likelihood (Ahmad et al. 2017): how
 * unusual the last few raw scores are, given the raw scores so far, on NAB's log scale in [0, 1].
 *
 * The likelihood learns online from the raw scores it is given, re-estimating its distribution
 * every `reestimationPeriod` readings; it ignores the first `learningPeriod` raw scores and then
 * gathers `estimationSamples` before it says anything, so each reading is initialising until
 * then (fill: half the upstream's fill while the upstream learns, then from 1/2 towards 1).
 * A value outside the range seen so far (by `spatialTolerance` of it) scores 1, and after an
 * alarm the next `suppress` scores stay below `threshold`. The detector name becomes
 * `<upstream>+likelihood`.
 *
 * ```
 * source:  -a--b--c--d--e--|        raw scores null, 0.25, 0.25, 0.25, 0.75
 *          anomalyLikelihood({ learningPeriod: 1, estimationSamples: 2, averagingWindow: 2 })
 * output:  -A--B--C--D--E--|
 *
 * A = the upstream learns, B = ignored (learning), C = estimating, D = first estimate (no opinion),
 * E = the average of 0.25 and 0.75, above every earlier average: a higher score
 * ```
 *
 * @example
 * readings$.pipe(robustZScore(), anomalyLikelihood({ suppress: 20 }))
 *
 * @param options the likelihood's windows (learningPeriod 300, estimationSamples 300,
 * historicWindow 8640, reestimationPeriod 100, averagingWindow 10, minStdev 0.0173),
 * spatialTolerance (0.05; null: off), suppress (0) and threshold (0.5).
 * @return An Observable of one `Detection` per upstream `Detection`.
 */
export function anomalyLikelihood(options: AnomalyLikelihoodOperatorOptions = {}): OperatorFunction<Detection, Detection> {
  const o = likelihoodOptions(options); // at assembly, not at the first reading
  return (source) =>
    defer(() => {
      const step = likelihoodStep(createLikelihoodScore(o), o.threshold); // one per subscription
      return source.pipe(map(step));
    });
}
