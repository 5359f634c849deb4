/**
 * A contextual anomaly detector after CAD OSE, the "Contextual Anomaly Detector, Open Source
 * Edition" of Mikhail Smirnov (https://github.com/smirmik/CAD; NAB's `contextOSE`, 69.9 on its
 * standard profile), re-implemented from a reading of NAB's `nab/detectors/context_ose/`.
 *
 * Each value is quantised to `2^bits` levels and written as one fact per bit. A sequence memory
 * stores contexts, pairs (facts of one step, facts of the next), where a step's facts are its
 * sensor facts plus the contexts that were active on it, so contexts chain into longer
 * sequences. A value scores high when few of the contexts that expected something were right and
 * many new contexts had to be learnt; it scores 0 when it was predicted exactly. After a raw
 * score of `baseThreshold` or more the detector rests (returns 0) for a while, so that it alarms
 * once at the onset of a change.
 *
 * NAB hands CAD each file's min and max and rests probation/5 rows, which both depend on the
 * whole file. This detector is causal instead: its range starts from the first `learn` values
 * (at least `noiseSpan` times their mean step, so noise does not fill every level), and when a
 * value falls outside it, the range grows past it by `margin` of its span, the memory is rebuilt
 * from the last `replay` values under the new levels, and that value, a new extreme, scores 1.
 * The rest period grows with the stream, `min(restPeriod, restGrowth * values seen)`. The
 * parameters were tuned on the NAB corpus as a whole (one set for every file; see
 * `nabDetectors`): 68.3 standard, where the same memory given NAB's look-ahead (min, max, probation/5) scores 69.6.
 *
 * Memory is bounded: at most `maxContexts` contexts (the memory is cleared when full), each half
 * holding at most `maxActive` + `bits` facts, plus a ring of `replay` values.
 */
import { ContextMemory, type ContextMemorySnapshot } from './contextMemory.ts';
import { type Float, type SnapshotHeader, checkSnapshot, float, packFloats, sortedOptions, unfloat, unpackFloats } from './snapshot.ts';

/**
 * `learn` values only learn (no score), `margin` is the headroom past a new extreme (a share of
 * the span), `replay` (>= learn) recent values rebuild the memory, `noiseSpan` is the first
 * range's least span in mean steps, the rest lasts `min(restPeriod, restGrowth * row)` values
 * after a raw score >= `baseThreshold`; `bits` quantise, `maxLeft` bounds crossed left halves,
 * `maxActive` contexts are carried to the next step, `maxContexts` bounds the memory.
 */
export interface ContextualOptions {
  readonly learn: number;
  readonly margin: number;
  readonly replay: number;
  readonly noiseSpan: number;
  readonly restPeriod: number;
  readonly restGrowth: number;
  readonly baseThreshold: number;
  readonly bits: number;
  readonly maxLeft: number;
  readonly maxActive: number;
  readonly maxContexts: number;
}

/** The one parameter set used on the whole NAB corpus. */
export const defaultContextualOptions: ContextualOptions = {
  learn: 30,
  margin: 0.5,
  replay: 2000,
  noiseSpan: 10,
  restPeriod: 150,
  restGrowth: 0.03,
  baseThreshold: 0.75,
  bits: 3,
  maxLeft: 7,
  maxActive: 15,
  maxContexts: 5000,
};

/** Throws a RangeError naming the first option out of range. */
export function checkContextualOptions(o: ContextualOptions): void {
  const check = (integer: boolean) => (name: keyof ContextualOptions, min: number, max = Infinity): void => {
    const v = o[name];
    if (!((integer ? Number.isInteger(v) : Number.isFinite(v)) && v >= min && v <= max)) {
      throw new RangeError(`contextual: ${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${v}`);
    }
  };
  const [int, real] = [check(true), check(false)];
  int('learn', 2);
  int('replay', o.learn);
  int('restPeriod', 0);
  int('bits', 1, 8);
  int('maxLeft', 1);
  int('maxActive', 1);
  int('maxContexts', 2);
  real('margin', 0);
  real('noiseSpan', 0);
  real('restGrowth', 0);
  real('baseThreshold', 0, 1);
}

/** A detector's whole state, plain JSON: `ContextualDetector.restore` gives it back exactly. */
export interface ContextualSnapshot extends SnapshotHeader<'contextual'> {
  readonly options: ContextualOptions;
  readonly memory: ContextMemorySnapshot;
  readonly predicted: readonly number[];
  /** The replay ring's slots written so far (all `replay + 1` once full), packed doubles. */
  readonly ring: string;
  readonly count: number;
  readonly lo: Float;
  readonly hi: Float;
  readonly quiet: number;
}

/** CAD OSE with a causal range (see the top of this file). `update` gives each value's score. */
export class ContextualDetector {
  private readonly o: ContextualOptions;
  private memory: ContextMemory;
  private predicted: ReadonlySet<number> = new Set();
  private readonly ring: Float64Array;
  private count = 0;
  private lo = Infinity;
  private hi = -Infinity;
  /** Values scored since the last raw score >= baseThreshold. */
  private quiet = 0;

  constructor(options: Partial<ContextualOptions> = {}) {
    this.o = { ...defaultContextualOptions, ...options };
    checkContextualOptions(this.o);
    this.memory = new ContextMemory(this.o.maxLeft, this.o.maxActive, this.o.maxContexts);
    this.ring = new Float64Array(this.o.replay + 1);
  }

  /** Share of the learning values seen, in (0, 1] once a value arrived; 1 when scoring. */
  get fill(): number {
    return Math.min(1, this.count / this.o.learn);
  }

  /** Contexts held, at most maxContexts. */
  get contexts(): number {
    return this.memory.size;
  }

  snapshot(): ContextualSnapshot {
    return {
      kind: 'contextual',
      version: 1,
      options: sortedOptions(this.o),
      memory: this.memory.snapshot(),
      predicted: [...this.predicted],
      ring: packFloats(this.ring.subarray(0, Math.min(this.count, this.ring.length))),
      count: this.count,
      lo: float(this.lo),
      hi: float(this.hi),
      quiet: this.quiet,
    };
  }

  /** The detector `snapshot` describes, built with the options it was taken with. */
  static restore(snapshot: ContextualSnapshot): ContextualDetector {
    checkSnapshot(snapshot, 'contextual');
    const d = new ContextualDetector(snapshot.options);
    const { maxLeft, maxActive, maxContexts } = d.o;
    d.memory = ContextMemory.restore(snapshot.memory, maxLeft, maxActive, maxContexts);
    d.predicted = new Set(snapshot.predicted);
    d.ring.set(unpackFloats(snapshot.ring, 'contextual: snapshot ring', Math.min(snapshot.count, d.ring.length)));
    d.count = snapshot.count;
    d.lo = unfloat(snapshot.lo);
    d.hi = unfloat(snapshot.hi);
    d.quiet = snapshot.quiet;
    return d;
  }

  /** The score of `value` in [0, 1], null while learning. `time` is unused: CAD sees only the order. */
  update(value: number, _time?: number): number | null {
    const score = this.score(value);
    return this.fill < 1 ? null : score;
  }

  private score(value: number): number {
    if (!Number.isFinite(value)) throw new RangeError(`contextual: values must be finite, got ${value}`);
    const { learn, replay } = this.o;
    const i = this.count++;
    const slots = replay + 1;
    this.ring[i % slots] = value;
    if (i < learn) {
      this.lo = Math.min(this.lo, value);
      this.hi = Math.max(this.hi, value);
      if (i < learn - 1) return 0;
      let step = 0;
      for (let j = 1; j < learn; j++) step += Math.abs(this.ring[j]! - this.ring[j - 1]!);
      const span = (this.o.noiseSpan * step) / (learn - 1);
      if (this.hi - this.lo < span) [this.lo, this.hi] = [(this.lo + this.hi - span) / 2, (this.lo + this.hi + span) / 2];
      let score = 0;
      for (let j = 0; j < learn; j++) score = this.rest(this.raw(this.ring[j]!), j);
      return score;
    }
    if (value <= this.hi && value >= this.lo) return this.rest(this.raw(value), i);
    const span = this.hi - this.lo || Math.abs(value) || 1;
    if (value > this.hi) this.hi = value + this.o.margin * span;
    else this.lo = value - this.o.margin * span;
    this.memory = new ContextMemory(this.o.maxLeft, this.o.maxActive, this.o.maxContexts);
    this.predicted = new Set();
    for (let j = Math.max(0, i - replay); j < i; j++) this.raw(this.ring[j % slots]!);
    this.raw(value);
    return this.rest(1, i); // a new extreme
  }

  /** CAD's score of one value: 0 if predicted, else (1 - share of right predictors + share of new contexts) / 2. */
  private raw(value: number): number {
    const top = 2 ** this.o.bits - 1;
    const level = Math.max(0, Math.min(top, Math.floor((value - this.lo) / ((this.hi - this.lo || top) / top))));
    const facts: number[] = [];
    let error = 0;
    for (let b = 0; b < this.o.bits; b++) {
      const fact = 2 * b + ((level >> b) & 1);
      facts.push(fact);
      if (!this.predicted.has(fact)) error += 2 ** b;
    }
    const step = this.memory.step(facts);
    this.predicted = step.predicted;
    return error > 0 ? (1 - step.active + step.added) / 2 : 0;
  }

  /** 0 while resting after a high raw score, else the raw score; `row` is the value's index. */
  private rest(raw: number, row: number): number {
    const period = Math.min(this.o.restPeriod, this.o.restGrowth * row);
    const score = this.quiet >= period ? raw : 0;
    this.quiet = raw >= this.o.baseThreshold ? 0 : this.quiet + 1;
    return score;
  }
}
