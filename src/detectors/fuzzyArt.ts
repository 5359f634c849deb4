/**
 * Dual-vigilance fuzzy ART (Carpenter, Grossberg & Rosen's fuzzy ART, Brito da Silva et al.'s dual
 * vigilance) with the match ARTime uses (Mark Hampton, 2022): fuzzy match of the whole pattern
 * cubed, times the squared match of its newest sample ("energy"). Plus the two small transforms
 * ARTime's features need. Categories are capped: past the cap the least recently used one goes.
 */
import { type Float, float, packFloats, unfloat, unpackFloats } from './snapshot.ts';

/** In-place orthonormal multi-level Haar transform of a power-of-2 array: [approx, coarsest .. finest details]. */
export function haar(x: Float64Array, tmp: Float64Array): void {
  for (let n = x.length; n > 1; n >>= 1) {
    const h = n >> 1;
    for (let k = 0; k < h; k++) {
      tmp[k] = (x[2 * k]! + x[2 * k + 1]!) * Math.SQRT1_2;
      tmp[h + k] = (x[2 * k]! - x[2 * k + 1]!) * Math.SQRT1_2;
    }
    x.set(tmp.subarray(0, n));
  }
}

/** Scales an array to [0, 1] in place (all zeros when flat). */
export function unit(x: Float64Array): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  for (let k = 0; k < x.length; k++) x[k] = hi > lo ? (x[k]! - lo) / (hi - lo) : 0;
}

/** A network's learned state: its categories' weights end to end (packed doubles), when each last resonated, the vigilances. */
export interface FuzzyArtSnapshot {
  readonly weights: string;
  readonly used: readonly number[];
  readonly clock: number;
  readonly lower: Float;
  readonly upper: Float;
}

/** Dual-vigilance fuzzy ART over complement-coded vectors, with ARTime's match (features^3 * energy^2). */
export class FuzzyArt {
  readonly weights: Float64Array[] = [];
  private readonly used: number[] = [];
  private clock = 0;
  lower = 0;
  upper = 0;
  constructor(private readonly dim: number, private readonly cap: number) {}

  snapshot(): FuzzyArtSnapshot {
    const weights = new Float64Array(this.weights.length * 2 * this.dim);
    this.weights.forEach((w, j) => weights.set(w, j * 2 * this.dim));
    return { weights: packFloats(weights), used: [...this.used], clock: this.clock, lower: float(this.lower), upper: float(this.upper) };
  }

  /** The network `snapshot` describes, for patterns of `dim` features and at most `cap` categories. */
  static restore(snapshot: FuzzyArtSnapshot, dim: number, cap: number): FuzzyArt {
    const net = new FuzzyArt(dim, cap);
    const weights = unpackFloats(snapshot.weights, 'art: snapshot weights', 2 * dim * snapshot.used.length);
    if (snapshot.used.length > cap) throw new RangeError(`art: snapshot holds ${snapshot.used.length} categories, more than maxCategories ${cap}`);
    for (let j = 0; j < snapshot.used.length; j++) net.weights.push(weights.slice(j * 2 * dim, (j + 1) * 2 * dim));
    net.used.push(...snapshot.used);
    net.clock = snapshot.clock;
    net.lower = unfloat(snapshot.lower);
    net.upper = unfloat(snapshot.upper);
    return net;
  }

  /** Best match of `x` (features, not yet complement-coded), learning unless `learn` is false. */
  present(x: Float64Array, learn = true): { novel: boolean; sim: number; energy: number } {
    const d = this.dim;
    const e = d - 1; // the newest sample: its match is the "energy"
    let best = 0;
    let bestEnergy = 0;
    let resonated = false;
    this.clock++;
    for (let j = 0; j < this.weights.length; j++) {
      const w = this.weights[j]!;
      let num = 0;
      let den = 0;
      for (let k = 0; k < d; k++) num += Math.min(x[k]!, w[k]!) + Math.min(1 - x[k]!, w[d + k]!), (den += w[k]! + w[d + k]!);
      const energy = (Math.min(x[e]!, w[e]!) + Math.min(1 - x[e]!, w[d + e]!)) / (w[e]! + w[d + e]! || 1e-3);
      const m = (num / (den || 1e-3)) ** 3 * energy ** 2;
      if (m > best) (best = m), (bestEnergy = energy);
      if (learn && m >= this.upper) {
        for (let k = 0; k < d; k++) (w[k] = Math.min(x[k]!, w[k]!)), (w[d + k] = Math.min(1 - x[k]!, w[d + k]!));
        this.used[j] = this.clock;
        resonated = true;
      }
    }
    if (learn && !resonated) this.commit(x);
    return { novel: !resonated && best < this.lower, sim: best, energy: bestEnergy };
  }

  /** A new category equal to `x`, replacing the least recently used one when full. */
  private commit(x: Float64Array): void {
    const w = new Float64Array(2 * this.dim);
    for (let k = 0; k < this.dim; k++) (w[k] = x[k]!), (w[this.dim + k] = 1 - x[k]!);
    if (this.weights.length < this.cap) return void (this.weights.push(w), this.used.push(this.clock));
    let lru = 0;
    for (let j = 1; j < this.used.length; j++) if (this.used[j]! < this.used[lru]!) lru = j;
    this.weights[lru] = w;
    this.used[lru] = this.clock;
  }

  /** Re-expresses the sample part of every category (indices from..dim-1) after a change of range. */
  rescale(from: number, f: (u: number) => number): void {
    for (const w of this.weights) {
      for (let k = from; k < this.dim; k++) (w[k] = f(w[k]!)), (w[this.dim + k] = 1 - f(1 - w[this.dim + k]!));
    }
  }
}
