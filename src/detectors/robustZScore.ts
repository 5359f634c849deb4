/**
 * A rolling robust z-score: how many robust standard deviations a value lies from the median of
 * the values just before it. The median and the median absolute deviation (MAD, scaled by 1.4826
 * so that it estimates a normal standard deviation) ignore the outliers a mean and a standard
 * deviation would chase, so a spike does not hide the spike after it (Hampel's identifier,
 * Hampel 1974; Rousseeuw & Croux 1993 for the MAD's scale).
 *
 * State is a ring buffer of the last `window` values and the same values kept sorted: memory is
 * O(window), each update O(window) (an insertion, a removal, and a merge walk for the MAD).
 */
import { type Float, type SnapshotHeader, checkSnapshot, float, packFloats, sortedOptions, unfloat, unpackFloats } from './snapshot.ts';

export interface RobustZScoreOptions {
  /** How many past values the median and MAD are taken over. */
  readonly window: number;
  /** Values needed before the first score; until then `update` returns null. */
  readonly minValues: number;
  /** z at which the raw score reaches 1 - 1/e: score = 1 - exp(-z / scale). */
  readonly scale: number;
}

export const defaultRobustZScoreOptions: RobustZScoreOptions = { window: 100, minValues: 10, scale: 3 };

/** Throws a RangeError naming the first option out of range. */
export function checkRobustZScoreOptions({ window, minValues, scale }: RobustZScoreOptions): void {
  if (!(Number.isInteger(window) && window >= 2)) throw new RangeError(`robustZScore: window must be an integer >= 2, got ${window}`);
  if (!(Number.isInteger(minValues) && minValues >= 2 && minValues <= window)) {
    throw new RangeError(`robustZScore: minValues must be an integer in [2, window], got ${minValues}`);
  }
  if (!(Number.isFinite(scale) && scale > 0)) throw new RangeError(`robustZScore: scale must be a finite number > 0, got ${scale}`);
}

/** The incremental detector: feed it each value in turn. */
export interface RobustZScore {
  /** The newest value's robust z-score mapped into [0, 1), or null while fewer than `minValues` came before it. */
  update(value: number, time?: number): number | null;
  /** The last z-score computed (before mapping); 0 before the first. */
  readonly z: number;
  /** How far towards the first score, in (0, 1) once a value has arrived: values held / (minValues + 1). */
  readonly fill: number;
  /** Values held (for memory checks): never more than `window`. */
  readonly size: number;
  snapshot(): RobustZScoreSnapshot;
}

/** The detector's whole state, plain JSON: {@link restoreRobustZScore} gives it back exactly. Packed: doubles in base64. */
export interface RobustZScoreSnapshot extends SnapshotHeader<'robust-z-score'> {
  readonly options: RobustZScoreOptions;
  readonly ring: string;
  readonly sorted: string;
  readonly n: number;
  readonly next: number;
  readonly z: Float;
}

/** Index of the first element of sorted[0..n) that is >= x. */
function lowerBound(sorted: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The median of |sorted[j] - median| without sorting the deviations: walking outwards from the
 * median merges the left and the right deviations, both already increasing.
 */
function medianAbsoluteDeviation(sorted: Float64Array, n: number, median: number): number {
  let left = lowerBound(sorted, n, median) - 1; // the largest value < median
  let right = left + 1;
  let deviation = 0;
  for (let taken = 0; taken <= n >> 1; taken++) {
    const dl = left >= 0 ? median - sorted[left]! : Infinity;
    const dr = right < n ? sorted[right]! - median : Infinity;
    if (dl <= dr) {
      deviation = dl;
      left--;
    } else {
      deviation = dr;
      right++;
    }
  }
  return deviation;
}

/** A fresh rolling robust z-score. A non-finite value throws a RangeError. */
export function createRobustZScore(options: RobustZScoreOptions = defaultRobustZScoreOptions): RobustZScore {
  return rolling(options);
}

/** The detector `snapshot` describes, with the options it was taken with. */
export function restoreRobustZScore(snapshot: RobustZScoreSnapshot): RobustZScore {
  checkSnapshot(snapshot, 'robust-z-score');
  return rolling(snapshot.options, snapshot);
}

function rolling(options: RobustZScoreOptions, from?: RobustZScoreSnapshot): RobustZScore {
  checkRobustZScoreOptions(options);
  const { window, minValues, scale } = options;
  const floats = (text: string | undefined, what: string): Float64Array => (text === undefined ? new Float64Array(window) : unpackFloats(text, `robustZScore: snapshot ${what}`, window));
  const ring = floats(from?.ring, 'ring');
  const sorted = floats(from?.sorted, 'sorted');
  let n = from?.n ?? 0; // values held
  let next = from?.next ?? 0; // ring position of the next value
  let z = from ? unfloat(from.z) : 0;

  const score = (x: number): number => {
    const median = n % 2 === 1 ? sorted[(n - 1) >> 1]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
    const distance = Math.abs(x - median);
    if (distance === 0) return (z = 0);
    let spread = 1.4826 * medianAbsoluteDeviation(sorted, n, median);
    if (spread === 0) {
      // Over half the window is one value: fall back on the mean absolute deviation (x 1.2533, the
      // normal's ratio), and failing that call any departure from a constant series extreme.
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.abs(sorted[j]! - median);
      spread = (1.2533 * sum) / n;
    }
    z = spread === 0 ? Infinity : distance / spread;
    return 1 - Math.exp(-z / scale);
  };

  return {
    update(value: number): number | null {
      if (!Number.isFinite(value)) throw new RangeError(`robustZScore: value must be finite, got ${value}`);
      const result = n >= minValues ? score(value) : null;
      if (n === window) {
        const old = ring[next]!;
        const at = lowerBound(sorted, n, old);
        sorted.copyWithin(at, at + 1, n);
        n--;
      }
      const at = lowerBound(sorted, n, value);
      sorted.copyWithin(at + 1, at, n);
      sorted[at] = value;
      n++;
      ring[next] = value;
      next = (next + 1) % window;
      return result;
    },
    get z(): number {
      return z;
    },
    get fill(): number {
      return Math.min(1, n / (minValues + 1));
    },
    get size(): number {
      return n;
    },
    snapshot(): RobustZScoreSnapshot {
      return { kind: 'robust-z-score', version: 1, options: sortedOptions(options), ring: packFloats(ring), sorted: packFloats(sorted), n, next, z: float(z) };
    },
  };
}
