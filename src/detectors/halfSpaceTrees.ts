/**
 * Streaming Half-Space Trees (Tan, Ting & Liu 2011, "Fast anomaly detection for streaming data",
 * IJCAI), on a shingle: the last `shingle` values, each scaled into [0, 1] by the smallest and
 * largest value seen so far (causal: never the file's range).
 *
 * Each tree halves a random work space `depth` times, one random dimension at a time, without
 * looking at data. Points of the current window of `windowSize` points count in the *latest*
 * masses; when the window is full the latest masses become the *reference* and are cleared. A
 * point scores by the reference mass of the deepest node it reaches (mass x 2^depth, summed over
 * trees): low mass, seldom-visited region, anomalous. So the model learns online and never refits.
 *
 * Memory: trees x (2^(depth+1) - 1) nodes of two masses and a split, and the shingle: fixed.
 */
import { type Random, seededRandom } from '../random.ts';
import { type Float, type SnapshotHeader, checkSnapshot, float, packFloats, sortedOptions, unfloat, unpackFloats } from './snapshot.ts';

export interface HalfSpaceTreesOptions {
  /** How many recent values a point holds (its dimension). */
  readonly shingle: number;
  readonly trees: number;
  readonly depth: number;
  /** Points per window: the reference masses are swapped in every `windowSize` points. */
  readonly windowSize: number;
  /** A node with a reference mass below this is a leaf for scoring (the paper's sizeLimit). */
  readonly sizeLimit: number;
  readonly seed: number;
}

export const defaultHalfSpaceTreesOptions: HalfSpaceTreesOptions = { shingle: 4, trees: 25, depth: 10, windowSize: 250, sizeLimit: 5, seed: 42 };

/** Throws a RangeError naming the first option out of range. */
export function checkHalfSpaceTreesOptions(o: HalfSpaceTreesOptions): void {
  const int = (name: keyof HalfSpaceTreesOptions, min: number, max = Infinity): void => {
    const v = o[name];
    if (!(Number.isInteger(v) && v >= min && v <= max)) throw new RangeError(`halfSpaceTrees: ${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('shingle', 1, 64);
  int('trees', 1, 1000);
  int('depth', 1, 20);
  int('windowSize', 1);
  int('sizeLimit', 0);
  int('seed', 0);
}

/** The incremental detector: feed it each value in turn. */
export interface HalfSpaceTrees {
  /** The newest shingle's anomaly score in [0, 1], or null until a reference window is complete. */
  update(value: number, time?: number): number | null;
  /** Until the first score: how far through the first window (and shingle), in [0, 1). */
  readonly fill: number;
  snapshot(): HalfSpaceTreesSnapshot;
}

/**
 * A forest's learned state, plain JSON: {@link restoreHalfSpaceTrees} gives it back exactly. The
 * trees themselves are not in it: they are drawn from `options.seed` before any data, so a
 * restore draws them again.
 */
export interface HalfSpaceTreesSnapshot extends SnapshotHeader<'half-space-trees'> {
  readonly options: HalfSpaceTreesOptions;
  /** The shingle's ring of raw values, packed doubles. */
  readonly recent: string;
  readonly seen: number;
  readonly min: Float;
  readonly max: Float;
  readonly inWindow: number;
  readonly swapped: boolean;
  /** Node masses, tree after tree (counts: integers). */
  readonly reference: readonly number[];
  readonly latest: readonly number[];
}

/** A fresh forest; `random` defaults to a generator seeded with `options.seed`. */
export function createHalfSpaceTrees(options: HalfSpaceTreesOptions = defaultHalfSpaceTreesOptions, random?: Random): HalfSpaceTrees {
  return forest(options, random);
}

/**
 * The forest `snapshot` describes. A forest made with a `random` of its own is restored by
 * passing a fresh generator equal to the one it was made with (its trees are drawn again).
 */
export function restoreHalfSpaceTrees(snapshot: HalfSpaceTreesSnapshot, random?: Random): HalfSpaceTrees {
  checkSnapshot(snapshot, 'half-space-trees');
  return forest(snapshot.options, random, snapshot);
}

function forest(options: HalfSpaceTreesOptions, random: Random | undefined, from?: HalfSpaceTreesSnapshot): HalfSpaceTrees {
  checkHalfSpaceTreesOptions(options);
  const { shingle, trees, depth, windowSize, sizeLimit } = options;
  const rng = random ?? seededRandom(options.seed);
  const rand = (): number => rng.next();
  const nodes = (1 << (depth + 1)) - 1;
  const inner = (1 << depth) - 1; // nodes 0..inner-1 split; the rest are leaves
  const dim = new Uint8Array(trees * inner);
  const split = new Float64Array(trees * inner);
  const reference = new Float64Array(trees * nodes);
  const latest = new Float64Array(trees * nodes);
  // The work space: per tree and dimension, a random range of width 2 * max(s, 1 - s) around s.
  const lo = new Float64Array(shingle);
  const hi = new Float64Array(shingle);
  const build = (t: number, node: number): void => {
    if (node >= inner) return;
    const q = Math.floor(rand() * shingle);
    dim[t * inner + node] = q;
    const mid = (lo[q]! + hi[q]!) / 2;
    split[t * inner + node] = mid;
    const [savedLo, savedHi] = [lo[q]!, hi[q]!];
    hi[q] = mid;
    build(t, 2 * node + 1);
    hi[q] = savedHi;
    lo[q] = mid;
    build(t, 2 * node + 2);
    lo[q] = savedLo;
  };
  for (let t = 0; t < trees; t++) {
    for (let q = 0; q < shingle; q++) {
      const s = rand();
      const r = 2 * Math.max(s, 1 - s);
      lo[q] = s - r;
      hi[q] = s + r;
    }
    build(t, 0);
  }

  const recent = from ? unpackFloats(from.recent, 'halfSpaceTrees: snapshot recent', shingle) : new Float64Array(shingle);
  const point = new Float64Array(shingle);
  let seen = from?.seen ?? 0;
  let min = from ? unfloat(from.min) : Infinity;
  let max = from ? unfloat(from.max) : -Infinity;
  let inWindow = from?.inWindow ?? 0;
  let swapped = from?.swapped ?? false;
  if (from) {
    for (const [name, masses] of [['reference', from.reference], ['latest', from.latest]] as const) {
      if (masses.length !== trees * nodes) throw new RangeError(`halfSpaceTrees: snapshot ${name} holds ${masses.length} masses, expected ${trees * nodes}`);
    }
    reference.set(from.reference);
    latest.set(from.latest);
  }
  const best = trees * windowSize * 2 ** depth; // the largest score a point can get

  return {
    update(value: number): number | null {
      if (!Number.isFinite(value)) throw new RangeError(`halfSpaceTrees: value must be finite, got ${value}`);
      recent[seen % shingle] = value;
      seen++;
      if (value < min) min = value;
      if (value > max) max = value;
      if (seen < shingle) return null;
      const range = max - min;
      for (let q = 0; q < shingle; q++) point[q] = range > 0 ? (recent[(seen - shingle + q) % shingle]! - min) / range : 0.5;
      let mass = 0;
      for (let t = 0; t < trees; t++) {
        let node = 0;
        let level = 0;
        let scored = false;
        for (;;) {
          latest[t * nodes + node]!++;
          if (!scored && (node >= inner || reference[t * nodes + node]! <= sizeLimit)) {
            mass += reference[t * nodes + node]! * 2 ** level;
            scored = true;
          }
          if (node >= inner) break;
          node = 2 * node + (point[dim[t * inner + node]!]! < split[t * inner + node]! ? 1 : 2);
          level++;
        }
      }
      const score = swapped ? 1 - Math.log1p(mass) / Math.log1p(best) : null;
      if (++inWindow === windowSize) {
        reference.set(latest);
        latest.fill(0);
        inWindow = 0;
        swapped = true;
      }
      return score;
    },
    get fill(): number {
      return Math.min((seen + (swapped ? windowSize : inWindow)) / (shingle + windowSize), 1 - 1e-9);
    },
    snapshot(): HalfSpaceTreesSnapshot {
      return {
        kind: 'half-space-trees',
        version: 1,
        options: sortedOptions(options),
        recent: packFloats(recent),
        seen,
        min: float(min),
        max: float(max),
        inWindow,
        swapped,
        reference: [...reference],
        latest: [...latest],
      };
    },
  };
}
