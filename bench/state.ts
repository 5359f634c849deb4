/**
 * What writing state down and reading it back costs, per kind of state: its size as JSON, the time
 * to take a snapshot and stringify it, and the time to parse it and restore a working copy (what a
 * restart or a partition move pays per key before the first record). Every case builds its state
 * first (not timed); then write and read are timed round-robin over the cases (see
 * `measureStates`) and the medians reported; a copy's own snapshot must equal the original's, or
 * the case fails. On a shared machine the times vary twofold or more from run to run.
 *
 * Add a case to `stateCases` to measure another state.
 */
import { createLikelihoodScore, defaultAnomalyLikelihoodOptions, restoreLikelihoodScore } from '../src/detectors/anomalyLikelihood.ts';
import { ArtDetector } from '../src/detectors/art.ts';
import { defaultContextualOptions, ContextualDetector } from '../src/detectors/contextual.ts';
import { createHalfSpaceTrees, defaultHalfSpaceTreesOptions, restoreHalfSpaceTrees } from '../src/detectors/halfSpaceTrees.ts';
import { seededRandom } from '../src/random.ts';
import type { Bench } from './section.ts';

const REPEATS = 9;
const WARM_UP = 3;
const LONG = Number(process.env.BENCH_STATE_VALUES ?? 50_000);

/** A state built and ready to measure: how to write it down and how to read it back. */
export interface StateUnderTest {
  /** What was built, in a phrase, for the method line. */
  readonly built: string;
  snapshot(): unknown;
  /** A working copy from a parsed snapshot; its own `snapshot()` must equal the original's. */
  restore(snapshot: never): { snapshot(): unknown };
}

export interface StateCase {
  readonly name: string;
  build(): StateUnderTest | Promise<StateUnderTest>;
}

/**
 * 0, 100, then a random walk clamped to [0, 100]: the contextual memory, its range learnt at once,
 * meets ever new sequences and fills to its bound (5 000 contexts) every 1 000-2 000 values.
 */
function walk(count: number): number[] {
  const random = seededRandom(11);
  let v = 100;
  return Array.from({ length: count }, (_, i) => (i < 2 ? 100 * i : (v = Math.max(0, Math.min(100, v + 8 * random.normal())))));
}

let contextual: { detector: ContextualDetector; fed: number } | undefined;

/** The contextual detector fed `LONG` values and then more, until its memory is at its bound (the next value clears it); built once. */
function contextualAtBound(): { detector: ContextualDetector; fed: number } {
  if (contextual) return contextual;
  const detector = new ContextualDetector();
  const values = walk(LONG + 10_000);
  let fed = 0;
  while (fed < LONG || detector.contexts < defaultContextualOptions.maxContexts) {
    if (fed === values.length) throw new Error('bench state: the contextual memory did not reach its bound');
    detector.update(values[fed++]!);
  }
  return (contextual = { detector, fed });
}

/** Several detectors on one stream, written down and read back together, as an ensemble's members. */
function together<T extends Record<string, { snapshot(): unknown }>>(built: string, parts: T, restore: { [K in keyof T]: (s: never) => { snapshot(): unknown } }): StateUnderTest {
  const names = Object.keys(parts) as (keyof T)[];
  return {
    built,
    snapshot: () => Object.fromEntries(names.map((k) => [k, parts[k]!.snapshot()])),
    restore: (s: Record<keyof T, never>) => {
      const copies = names.map((k) => [k, restore[k](s[k])] as const);
      return { snapshot: () => Object.fromEntries(copies.map(([k, c]) => [k, c.snapshot()])) };
    },
  };
}

export const stateCases: StateCase[] = [
  {
    name: 'contextual',
    build() {
      const { detector, fed } = contextualAtBound();
      return { built: `contextual after ${fed.toLocaleString('en')} values, memory at its bound (${detector.contexts} contexts)`, snapshot: () => detector.snapshot(), restore: ContextualDetector.restore };
    },
  },
  {
    name: 'contextual+art',
    build() {
      const { detector: contextual, fed } = contextualAtBound();
      const art = new ArtDetector();
      for (const v of walk(fed)) art.update(v);
      return together(`contextual (as above) and ART (${art.categories} categories) after ${fed.toLocaleString('en')} values`, { contextual, art }, { contextual: ContextualDetector.restore, art: ArtDetector.restore });
    },
  },
  {
    name: 'half-space-trees+likelihood',
    build() {
      const trees = createHalfSpaceTrees(defaultHalfSpaceTreesOptions);
      const likelihood = createLikelihoodScore({ ...defaultAnomalyLikelihoodOptions, spatialTolerance: 0.03, suppress: 20, threshold: 0.55 });
      const values = walk(LONG);
      for (const v of values) likelihood.update(trees.update(v), v);
      const built = `half-space trees (25 trees of depth 10) and the likelihood (history of 8 640) after ${LONG.toLocaleString('en')} values`;
      return together(built, { trees, likelihood }, { trees: restoreHalfSpaceTrees, likelihood: restoreLikelihoodScore });
    },
  },
];

const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
const gc = (globalThis as { gc?: () => void }).gc;

/** One write (snapshot + stringify) and one read (parse + restore): their times, the text, the copy. */
function writeAndRead(state: StateUnderTest): { writeMs: number; readMs: number; text: string; copy: { snapshot(): unknown } } {
  gc?.();
  const t0 = performance.now();
  const text = JSON.stringify(state.snapshot());
  const t1 = performance.now();
  const copy = state.restore(JSON.parse(text) as never);
  return { writeMs: t1 - t0, readMs: performance.now() - t1, text, copy };
}

/**
 * Per state: bytes, write and read times (median of `REPEATS`, after `WARM_UP` untimed rounds),
 * and whether the copy equals the original. Rounds go from state to state, so that a slow spell
 * of a shared machine falls on every state alike.
 */
export function measureStates(states: readonly StateUnderTest[]): { bytes: number; writeMs: number; readMs: number; exact: boolean }[] {
  const times = states.map(() => ({ writes: [] as number[], reads: [] as number[] }));
  const last = states.map(() => ({ text: '', exact: false }));
  for (let r = -WARM_UP; r < REPEATS; r++) {
    states.forEach((state, i) => {
      const { writeMs, readMs, text, copy } = writeAndRead(state);
      last[i] = { text, exact: JSON.stringify(copy.snapshot()) === text };
      if (r >= 0) times[i]!.writes.push(writeMs), times[i]!.reads.push(readMs);
    });
  }
  return last.map(({ text, exact }, i) => ({ bytes: Buffer.byteLength(text), writeMs: median(times[i]!.writes), readMs: median(times[i]!.reads), exact }));
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

export const stateBench: Bench = {
  name: 'state',
  async run() {
    const figures: Record<string, number | string> = {};
    const failures: string[] = [];
    const states: StateUnderTest[] = [];
    for (const c of stateCases) states.push(await c.build());
    const measured = measureStates(states);
    for (const [i, c] of stateCases.entries()) {
      const { bytes, writeMs, readMs, exact } = measured[i]!;
      figures[`${c.name}: snapshot size (KiB)`] = Math.round(bytes / 102.4) / 10;
      figures[`${c.name}: snapshot + stringify (ms)`] = round(writeMs);
      figures[`${c.name}: parse + restore (ms)`] = round(readMs);
      if (!exact) failures.push(`${c.name}: the restored copy's snapshot differs from the original's`);
    }
    return {
      title: 'State snapshot and restore, per key',
      method: `Per case, the state is built first (${states.map((s) => s.built).join('; ')}), then written down (snapshot + JSON.stringify) and read back (JSON.parse + restore) ${REPEATS} times after ${WARM_UP} untimed rounds, case after case in each round; medians, in one process.`,
      figures,
      failures,
    };
  },
};
