/** DBSCAN's parameters, with scikit-learn's meaning. */
export interface DbscanOptions {
  /** Two values are neighbours when their distance is <= eps. */
  readonly eps: number;
  /** A value is a core point when at least this many values, itself included, are its neighbours. */
  readonly minSamples: number;
}

/** What DBSCAN says of the newest value of a window. */
export interface DbscanLabel {
  /** True when scikit-learn's DBSCAN would label the value -1. */
  readonly noise: boolean;
  /**
   * In [0, 1], higher is more anomalous: `min(1, d / (2 * eps))`, where `d` is the distance to
   * the nearest core point (0 when the value is itself a core point, +Infinity when the window
   * has none). So a core point scores 0, a border point (0, 0.5], noise (0.5, 1], and noise
   * twice eps or more from any core point, or in a window without one, scores 1:
   * `noise === score > 0.5`.
   */
  readonly score: number;
}

/** Throws a RangeError unless `eps` is finite and > 0 and `minSamples` an integer >= 1. */
export function checkDbscanOptions({ eps, minSamples }: DbscanOptions): void {
  if (!(Number.isFinite(eps) && eps > 0)) throw new RangeError(`dbscan: eps must be a finite number > 0, got ${eps}`);
  if (!(Number.isInteger(minSamples) && minSamples >= 1)) {
    throw new RangeError(`dbscan: minSamples must be an integer >= 1, got ${minSamples}`);
  }
}

/**
 * Labels the newest (last) value of a 1-D window as scikit-learn's `DBSCAN(eps, min_samples)`
 * fitted on the whole window would, with Euclidean distance `|a - b|`.
 *
 * Noise or not does not depend on how DBSCAN orders its clusters, only on core points: the
 * value is noise iff it is neither a core point nor within `eps` of one. For a window of 21
 * values the O(n^2) neighbour count below costs about 450 subtractions and allocates nothing.
 *
 * @param values the window, oldest first; finite numbers, at least one.
 * @param options eps and minSamples, as in scikit-learn.
 * @return whether the newest value is noise, and its score (see {@link DbscanLabel.score}).
 */
export function dbscanLabel(values: readonly number[], options: DbscanOptions): DbscanLabel {
  checkDbscanOptions(options);
  const { eps, minSamples } = options;
  const n = values.length;
  if (n === 0) throw new RangeError('dbscan: values must hold at least one value');
  for (let i = 0; i < n; i++) {
    // NaN is nobody's neighbour, not even its own: scikit-learn rejects it, so do we.
    if (!Number.isFinite(values[i])) throw new RangeError(`dbscan: values must be finite, got ${values[i]} at ${i}`);
  }
  const x = values[n - 1] as number;
  let nearestCore = Infinity;
  for (let j = 0; j < n; j++) {
    const d = Math.abs((values[j] as number) - x);
    if (d >= nearestCore) continue; // cannot improve: skip the neighbour count
    if (isCore(values, j, eps, minSamples)) nearestCore = d;
  }
  return { noise: !(nearestCore <= eps), score: Math.min(1, nearestCore / (2 * eps)) };
}

function isCore(values: readonly number[], j: number, eps: number, minSamples: number): boolean {
  const v = values[j] as number;
  let neighbours = 0;
  for (let k = 0; k < values.length; k++) {
    if (Math.abs((values[k] as number) - v) <= eps && ++neighbours >= minSamples) return true;
  }
  return false;
}
