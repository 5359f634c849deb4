/**
 * Numenta's anomaly likelihood (Ahmad, Lavin, Purdy & Agha 2017, "Unsupervised real-time
 * anomaly detection for streaming data", Neurocomputing 262, section 4.2), written from the
 * paper's description, incrementally and with bounded memory.
 *
 * A raw anomaly score is noisy: a detector that is often a little wrong says little when it is
 * wrong once more. The likelihood asks instead how unusual the *recent* raw scores are given the
 * raw scores so far: it averages the last `averagingWindow` raw scores (W' in the paper), models
 * the averages seen over the last `historicWindow` rows (W) as a normal distribution, re-estimated
 * every `reestimationPeriod` rows, and reports one minus the normal tail probability of the
 * current average. Nothing is reported while the detector underneath learns (`learningPeriod`
 * rows, whose raw scores are ignored) and while the first estimate collects `estimationSamples`
 * averages.
 *
 * Likelihoods crowd near 1 ("four or five nines"); {@link logLikelihood} spreads them over [0, 1]
 * as NAB's numenta detector does: 0.5 at 1 - 1e-5, 1 at 1 - 1e-10.
 */
import { type Float, type SnapshotHeader, checkSnapshot, float, packFloats, sortedOptions, unfloat, unpackFloats } from './snapshot.ts';

export interface AnomalyLikelihoodOptions {
  /** Rows whose raw scores are ignored while the detector underneath learns. */
  readonly learningPeriod: number;
  /** Averaged scores gathered after the learning period before the first estimate. */
  readonly estimationSamples: number;
  /** How many of the latest averaged scores the distribution is estimated from (W). */
  readonly historicWindow: number;
  /** Rows between re-estimates of the distribution. */
  readonly reestimationPeriod: number;
  /** How many raw scores the short-term average holds (W'). */
  readonly averagingWindow: number;
  /** Floor of the estimated standard deviation, so that a flat history does not make every wiggle certain. */
  readonly minStdev: number;
}

export const defaultAnomalyLikelihoodOptions: AnomalyLikelihoodOptions = {
  learningPeriod: 300,
  estimationSamples: 300,
  historicWindow: 8640,
  reestimationPeriod: 100,
  averagingWindow: 10,
  minStdev: 0.0173, // the paper's implementation floors the variance at 3e-4
};

/** Throws a RangeError naming the first option out of range. */
export function checkAnomalyLikelihoodOptions(o: AnomalyLikelihoodOptions, who = 'anomalyLikelihood'): void {
  const int = (name: keyof AnomalyLikelihoodOptions, min: number): void => {
    const v = o[name];
    if (!(Number.isInteger(v) && v >= min)) throw new RangeError(`${who}: ${name} must be an integer >= ${min}, got ${v}`);
  };
  int('learningPeriod', 0);
  int('estimationSamples', 1);
  int('historicWindow', 1);
  int('reestimationPeriod', 1);
  int('averagingWindow', 1);
  if (!(Number.isFinite(o.minStdev) && o.minStdev > 0)) throw new RangeError(`${who}: minStdev must be a finite number > 0, got ${o.minStdev}`);
}

/** One minus the likelihood, on a log scale: 0 for likelihood <= 0, 0.5 at 1 - 1e-5, 1 at 1 - 1e-10. */
export function logLikelihood(likelihood: number): number {
  return Math.min(1, Math.max(0, Math.log(1.0000000001 - likelihood) / Math.log(1e-10)));
}

/** P(Z > z) for a standard normal Z: the complementary error function, Numerical Recipes' erfcc (|error| < 1.2e-7). */
export function normalTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
      t * (0.27886187 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** The incremental likelihood: feed it each raw score in turn. */
export interface AnomalyLikelihood {
  /**
   * The likelihood of the newest raw score in [0, 1], or null while learning and estimating.
   * A non-finite raw score throws a RangeError.
   */
  update(raw: number): number | null;
  /** While null is returned: how far through learning and the first estimate, in [0, 1). */
  readonly fill: number;
  snapshot(): AnomalyLikelihoodSnapshot;
}

/** The likelihood's whole state, plain JSON: {@link restoreAnomalyLikelihood} gives it back exactly. Packed: doubles in base64. */
export interface AnomalyLikelihoodSnapshot extends SnapshotHeader<'anomaly-likelihood'> {
  readonly options: AnomalyLikelihoodOptions;
  readonly twoSided: boolean;
  readonly recent: string;
  /** The averages recorded so far, at most `historicWindow` (the rest of the ring is still 0). */
  readonly history: string;
  readonly recentSum: Float;
  readonly rows: number;
  readonly averages: number;
  readonly mean: Float;
  readonly stdev: Float;
  readonly estimated: boolean;
}

/**
 * A fresh likelihood estimator. It holds two ring buffers (`averagingWindow` raw scores,
 * `historicWindow` averages) and nothing else: memory does not grow with the stream.
 *
 * A short-term average far *below* the usual counts as unusual too, as in the paper's
 * implementation (its tail is two-sided through symmetry), but only a rise makes sense for most
 * raw detectors, so `twoSided` defaults to false here.
 */
export function createAnomalyLikelihood(options: AnomalyLikelihoodOptions = defaultAnomalyLikelihoodOptions, twoSided = false): AnomalyLikelihood {
  return likelihoodOf(options, twoSided);
}

/** The likelihood `snapshot` describes, with the options it was taken with. */
export function restoreAnomalyLikelihood(snapshot: AnomalyLikelihoodSnapshot): AnomalyLikelihood {
  checkSnapshot(snapshot, 'anomaly-likelihood');
  return likelihoodOf(snapshot.options, snapshot.twoSided, snapshot);
}

function likelihoodOf(options: AnomalyLikelihoodOptions, twoSided: boolean, from?: AnomalyLikelihoodSnapshot): AnomalyLikelihood {
  checkAnomalyLikelihoodOptions(options);
  const { learningPeriod, estimationSamples, historicWindow, reestimationPeriod, averagingWindow, minStdev } = options;
  const recent = new Float64Array(averagingWindow);
  const history = new Float64Array(historicWindow);
  let recentSum = from ? unfloat(from.recentSum) : 0;
  let rows = from?.rows ?? 0; // raw scores seen
  let averages = from?.averages ?? 0; // averages recorded (after learning)
  let mean = from ? unfloat(from.mean) : 0;
  let stdev = from ? unfloat(from.stdev) : 0;
  let estimated = from?.estimated ?? false;
  if (from) {
    recent.set(unpackFloats(from.recent, 'anomalyLikelihood: snapshot recent', averagingWindow));
    history.set(unpackFloats(from.history, 'anomalyLikelihood: snapshot history', Math.min(averages, historicWindow)));
  }
  const total = learningPeriod + estimationSamples;

  const estimate = (): void => {
    const n = Math.min(averages, historicWindow);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += history[i]!;
    const m = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (history[i]! - m) ** 2;
    mean = m;
    stdev = Math.max(minStdev, Math.sqrt(n > 1 ? ss / (n - 1) : 0));
    estimated = true;
  };

  return {
    update(raw: number): number | null {
      if (!Number.isFinite(raw)) throw new RangeError(`anomalyLikelihood: raw score must be finite, got ${raw}`);
      rows++;
      if (rows <= learningPeriod) return null;
      const k = (rows - learningPeriod - 1) % averagingWindow;
      recentSum += raw - recent[k]!;
      recent[k] = raw;
      const filled = Math.min(rows - learningPeriod, averagingWindow);
      const average = recentSum / filled;
      // Scored against the distribution of the past, before it joins the history.
      const z = estimated ? (average - mean) / stdev : 0;
      history[averages % historicWindow] = average;
      averages++;
      if (!estimated) {
        if (rows < total) return null;
        estimate();
        return 0.5; // the first estimate's own row: no opinion
      }
      if ((rows - total) % reestimationPeriod === 0) estimate();
      return 1 - normalTail(twoSided ? Math.abs(z) : z);
    },
    get fill(): number {
      return Math.min(rows / total, 1 - 1e-9);
    },
    snapshot(): AnomalyLikelihoodSnapshot {
      return {
        kind: 'anomaly-likelihood',
        version: 1,
        options: sortedOptions(options),
        twoSided,
        recent: packFloats(recent),
        history: packFloats(history.subarray(0, Math.min(averages, historicWindow))),
        recentSum: float(recentSum),
        rows,
        averages,
        mean: float(mean),
        stdev: float(stdev),
        estimated,
      };
    },
  };
}

/** What {@link createLikelihoodScore} adds to the likelihood: NAB's numenta detector's extras. */
export interface LikelihoodScoreOptions extends AnomalyLikelihoodOptions {
  /**
   * A value beyond the smallest or largest seen so far by more than this fraction of their range
   * scores 1 whatever the likelihood (NAB's numenta detector uses 0.05); null turns it off.
   */
  readonly spatialTolerance: number | null;
  /** After a score >= `threshold`, the next `suppress` scores are held just below it (0: never). */
  readonly suppress: number;
  /** What counts as an alarm, for suppression. */
  readonly threshold: number;
}

/**
 * The score a detector reports when composed with the likelihood: its log scale, raised to 1 for
 * a value outside the range seen so far, and held below `threshold` for `suppress` rows after an
 * alarm: the first alarm is the one that matters, and every repeat is another false positive.
 * `update` takes the raw score (null while the raw detector learns) and the reading's value.
 */
export function createLikelihoodScore(options: LikelihoodScoreOptions): LikelihoodScore {
  return likelihoodScore(options);
}

/** What {@link createLikelihoodScore} makes. */
export interface LikelihoodScore {
  update(raw: number | null, value: number): number | null;
  readonly fill: number;
  snapshot(): LikelihoodScoreSnapshot;
}

/** The score's whole state, plain JSON: {@link restoreLikelihoodScore} gives it back exactly. */
export interface LikelihoodScoreSnapshot extends SnapshotHeader<'likelihood-score'> {
  readonly options: LikelihoodScoreOptions;
  readonly likelihood: AnomalyLikelihoodSnapshot;
  readonly min: Float;
  readonly max: Float;
  readonly sinceAlarm: Float;
}

/** The score `snapshot` describes, with the options it was taken with. */
export function restoreLikelihoodScore(snapshot: LikelihoodScoreSnapshot): LikelihoodScore {
  checkSnapshot(snapshot, 'likelihood-score');
  return likelihoodScore(snapshot.options, snapshot);
}

function likelihoodScore(options: LikelihoodScoreOptions, from?: LikelihoodScoreSnapshot): LikelihoodScore {
  const { spatialTolerance, suppress, threshold } = options;
  const likelihood = from ? restoreAnomalyLikelihood(from.likelihood) : createAnomalyLikelihood(options);
  let min = from ? unfloat(from.min) : Infinity;
  let max = from ? unfloat(from.max) : -Infinity;
  let sinceAlarm = from ? unfloat(from.sinceAlarm) : Infinity;
  return {
    update(raw: number | null, value: number): number | null {
      if (!Number.isFinite(value)) throw new RangeError(`anomalyLikelihood: value must be finite, got ${value}`);
      sinceAlarm++; // rows, not scores: suppression lasts as long while the likelihood still learns
      const l = raw === null ? null : likelihood.update(raw);
      let score = l === null ? null : logLikelihood(l);
      if (spatialTolerance !== null) {
        const tolerance = (max - min) * spatialTolerance;
        if (max > min && (value > max + tolerance || value < min - tolerance)) score = 1;
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
      if (score === null) return null;
      if (sinceAlarm <= suppress) return Math.min(score, threshold * 0.999);
      if (score >= threshold) sinceAlarm = 0;
      return score;
    },
    get fill(): number {
      return likelihood.fill;
    },
    snapshot(): LikelihoodScoreSnapshot {
      return { kind: 'likelihood-score', version: 1, options: sortedOptions(options), likelihood: likelihood.snapshot(), min: float(min), max: float(max), sinceAlarm: float(sinceAlarm) };
    },
  };
}

/** Throws a RangeError naming the first option out of range. */
export function checkLikelihoodScoreOptions(o: LikelihoodScoreOptions): void {
  checkAnomalyLikelihoodOptions(o);
  if (!(o.spatialTolerance === null || (Number.isFinite(o.spatialTolerance) && o.spatialTolerance >= 0))) {
    throw new RangeError(`anomalyLikelihood: spatialTolerance must be null or a finite number >= 0, got ${o.spatialTolerance}`);
  }
  if (!(Number.isInteger(o.suppress) && o.suppress >= 0)) throw new RangeError(`anomalyLikelihood: suppress must be an integer >= 0, got ${o.suppress}`);
  if (!(o.threshold > 0 && o.threshold <= 1)) throw new RangeError(`anomalyLikelihood: threshold must be in (0, 1], got ${o.threshold}`);
}
