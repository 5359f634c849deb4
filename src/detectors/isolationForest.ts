import { seededRandom } from '../random.ts';

/** IsolationForest's parameters. */
export interface IsolationForestOptions {
  /** How many isolation trees to average over; scikit-learn's `n_estimators`. */
  readonly trees: number;
  /** How many values each tree is fitted on, at most (fewer when the window is smaller); `max_samples`. */
  readonly sampleSize: number;
  /** Seeds the subsampling and the splits: the same window and seed always give the same score. */
  readonly seed: number;
}

/** Throws a RangeError unless `trees` and `sampleSize` are integers >= 1 and `seed` an integer. */
export function checkIsolationForestOptions({ trees, sampleSize, seed }: IsolationForestOptions): void {
  if (!(Number.isInteger(trees) && trees >= 1)) {
    throw new RangeError(`isolationForest: trees must be an integer >= 1, got ${trees}`);
  }
  if (!(Number.isInteger(sampleSize) && sampleSize >= 1)) {
    throw new RangeError(`isolationForest: sampleSize must be an integer >= 1, got ${sampleSize}`);
  }
  if (!Number.isInteger(seed)) throw new RangeError(`isolationForest: seed must be an integer, got ${seed}`);
}

const EULER_GAMMA = 0.5772156649;

/**
 * The average path length of an unsuccessful search in a binary search tree of `n` values
 * (Liu et al. 2008), with scikit-learn's special cases: c(1) = 0, c(2) = 1.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/**
 * The IsolationForest anomaly score of the newest (last) value of a 1-D window, as scikit-learn's
 * `-score_samples` would give it: `2^(-E[h(x)] / c(psi))`, in (0, 1]; above 0.5 is anomalous
 * (scikit-learn's `contamination='auto'`).
 *
 * Each tree is fitted on `psi = min(sampleSize, n)` values drawn without replacement, split at
 * thresholds uniform between the node's min and max, down to depth `ceil(log2(max(psi, 2)))`
 * (scikit-learn's limit, on the effective psi); h(x) is the depth of x's leaf plus c(leaf size).
 * Only x's path matters for its score, so each tree is grown along that path alone: O(psi) per
 * level instead of a whole tree. A node whose values are all equal cannot split and is a leaf,
 * so a window of identical values scores exactly 0.5: not anomalous. (scikit-learn also treats
 * spreads <= 1e-7 as constant; this does not, so tiny-valued series are not flattened.)
 *
 * @param values the window, oldest first; finite numbers, at least one.
 * @param options trees, sampleSize and seed.
 * @return the anomaly score of the newest value, in (0, 1].
 */
export function isolationForestScore(values: readonly number[], options: IsolationForestOptions): number {
  checkIsolationForestOptions(options);
  const n = values.length;
  if (n === 0) throw new RangeError('isolationForest: values must hold at least one value');
  const pool = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) throw new RangeError(`isolationForest: values must be finite, got ${v} at ${i}`);
    pool[i] = v;
  }
  const x = pool[n - 1] as number;
  const psi = Math.min(options.sampleSize, n);
  const cPsi = averagePathLength(psi);
  if (cPsi === 0) return 0.5; // psi = 1: nothing to isolate from; scikit-learn's 0/0 case
  const maxDepth = Math.ceil(Math.log2(Math.max(psi, 2)));
  const random = seededRandom(options.seed); // per call: the same window gets the same score
  // Sums h / c(psi) rather than h, so that a leaf at the root (h = c(psi)) adds exactly 1 and a
  // constant window scores exactly 0.5, not 0.5 +- rounding on either side of the threshold.
  let total = 0;
  for (let t = 0; t < options.trees; t++) {
    // Partial Fisher-Yates: pool[0, psi) becomes a uniform sample without replacement. The pool
    // stays a permutation of the window whatever the path below reorders, so it is reused.
    for (let k = 0; k < psi; k++) swap(pool, k, random.int(k, n - 1));
    total += pathLength(pool, psi, x, maxDepth, random.next) / cPsi;
  }
  return 2 ** (-total / options.trees);
}

/** h(x) in one random isolation tree fitted on sample[0, size), reordering the sample in place. */
function pathLength(sample: Float64Array, size: number, x: number, maxDepth: number, next: () => number): number {
  let lo = 0;
  let hi = size; // the node's values are sample[lo, hi)
  for (let depth = 0; ; depth++) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = lo; i < hi; i++) {
      const v = sample[i] as number;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (hi - lo <= 1 || depth >= maxDepth || max <= min) return depth + averagePathLength(hi - lo);
    let threshold = min + (max - min) * next();
    if (threshold >= max) threshold = min; // rounding: keep both sides non-empty, as scikit-learn does
    // Partition: values <= threshold go left, to sample[lo, mid).
    let mid = lo;
    for (let i = lo; i < hi; i++) if ((sample[i] as number) <= threshold) swap(sample, i, mid++);
    if (x <= threshold) hi = mid;
    else lo = mid;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const tmp = a[i] as number;
  a[i] = a[j] as number;
  a[j] = tmp;
}
