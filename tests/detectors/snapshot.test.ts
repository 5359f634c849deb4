/**
 * State that survives: each online detector, run on the first half of a real NAB series, written
 * down (snapshot, JSON.stringify, JSON.parse) and restored into a new instance, scores the second
 * half exactly as an uninterrupted run does, and ends in the same state. Skipped without
 * ../shared/data.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type LikelihoodScoreOptions, createLikelihoodScore, defaultAnomalyLikelihoodOptions, restoreLikelihoodScore } from '../../src/detectors/anomalyLikelihood.ts';
import { ArtDetector } from '../../src/detectors/art.ts';
import { ContextualDetector } from '../../src/detectors/contextual.ts';
import { createHalfSpaceTrees, defaultHalfSpaceTreesOptions, restoreHalfSpaceTrees } from '../../src/detectors/halfSpaceTrees.ts';
import { createRobustZScore, defaultRobustZScoreOptions, restoreRobustZScore } from '../../src/detectors/robustZScore.ts';
import { readDataFile } from '../../src/evaluation/nab/corpus.ts';

const data = new URL('../../../shared/data/', import.meta.url).pathname;
const exists = existsSync(`${data}nab/data`);
const series = (name: string): number[] => readDataFile(data, name).values;

interface Snapshotting {
  snapshot(): unknown;
}

/**
 * Runs `values` through one detector, snapshotting it at each of `cuts`; each snapshot, sent
 * through JSON and restored into a new detector, must say what the uninterrupted one said at every
 * later step, and end in the same state; a restored detector's own snapshot must equal the one it
 * came from. Several cuts: a field a restore drops may matter only
 * at some steps (a transition the memory already knows does not read the previous step).
 */
function expectResumes<D extends Snapshotting, T>(make: () => D, restore: (snapshot: never) => D, step: (d: D, value: T) => unknown, values: readonly T[], cuts: readonly number[]): D {
  const whole = make();
  const snapshots = new Map<number, string>();
  const said = values.map((v, i) => {
    if (cuts.includes(i)) snapshots.set(i, JSON.stringify(whole.snapshot()));
    return step(whole, v);
  });
  const end = JSON.stringify(whole.snapshot());
  for (const cut of cuts) {
    const copy = restore(JSON.parse(snapshots.get(cut)!) as never);
    // A field restore drops shows at once here, even where its effect on scores would fade.
    expect(JSON.stringify(copy.snapshot()), `snapshot of the copy restored at ${cut}`).toBe(snapshots.get(cut));
    const after = values.slice(cut).map((v) => step(copy, v));
    expect(after, `restored at ${cut}`).toEqual(said.slice(cut)); // toEqual compares numbers with Object.is: exact, -0 included
    expect(JSON.stringify(copy.snapshot()), `restored at ${cut}`).toBe(end); // floats are packed or strings: text equality is exact
  }
  return whole;
}

/** `count` cuts spread over `length` values, and the two steps after the middle one. */
function spread(length: number, count = 4): number[] {
  const cuts = Array.from({ length: count }, (_, k) => Math.floor(((k + 0.5) * length) / count));
  const middle = cuts[count >> 1]!;
  return [...cuts, middle + 1, middle + 2].sort((a, b) => a - b);
}

describe.skipIf(!exists)('detector snapshots resume exactly', () => {
  it('ContextualDetector, its memory rebuilt on new extremes and cleared at its bound', () => {
    const values = series('realKnownCause/machine_temperature_system_failure.csv').slice(0, 8000);
    const step = (d: ContextualDetector, v: number) => [d.update(v), d.fill, d.contexts];
    const small = () => new ContextualDetector({ maxContexts: 600 }); // the default 5000 is never reached on this series
    const probe = small();
    const contexts = values.map((v) => (probe.update(v), probe.contexts));
    expect(contexts.some((n, i) => i > 3000 && n < contexts[i - 1]!)).toBe(true); // cleared at its bound
    // Steps that learn a context: the only ones that read the previous step's facts.
    const learning = contexts.flatMap((n, i) => (i > 100 && n > contexts[i - 1]! ? [i] : [])).filter((_, k) => k % 400 === 0);
    expectResumes(small, ContextualDetector.restore, step, values, [10, ...spread(values.length), ...learning]); // 10: while learning the range
    expectResumes(() => new ContextualDetector(), ContextualDetector.restore, step, values.slice(0, 3000), spread(3000, 3));
  });

  it('ArtDetector, in its learning period, as it ends, and after new extremes widened its range', () => {
    const values = series('realKnownCause/machine_temperature_system_failure.csv').slice(0, 8000);
    const step = (d: ArtDetector, v: number) => [d.update(v), d.fill, d.categories];
    const art = expectResumes(() => new ArtDetector(), ArtDetector.restore, step, values, [100, 239, 240, 241, ...spread(values.length)]);
    expect(art.categories).toBeGreaterThan(10);
  });

  it('half-space trees, before and after their first reference window, and the likelihood on their scores, past its historic window', () => {
    const values = series('realKnownCause/machine_temperature_system_failure.csv');
    const trees = () => createHalfSpaceTrees(defaultHalfSpaceTreesOptions);
    const forest = expectResumes(trees, restoreHalfSpaceTrees, (d, v: number) => [d.update(v), d.fill], values, [2, 100, 249, 250, 251, ...spread(values.length)]);
    expect(forest.fill).toBeGreaterThan(0.99);

    const scorer = trees();
    const raw = values.map((value) => ({ raw: scorer.update(value), value }));
    const options: LikelihoodScoreOptions = { ...defaultAnomalyLikelihoodOptions, spatialTolerance: 0.03, suppress: 20, threshold: 0.55 };
    const step = (d: ReturnType<typeof createLikelihoodScore>, r: { raw: number | null; value: number }) => [d.update(r.raw, r.value), d.fill];
    const { learningPeriod: learn, estimationSamples: estimate, historicWindow } = options;
    const likelihood = expectResumes(() => createLikelihoodScore(options), restoreLikelihoodScore, step, raw, [learn + 300, learn + estimate + 250, learn + estimate + 251, learn + historicWindow + 400, ...spread(raw.length)]);
    expect(likelihood.snapshot().likelihood.averages).toBeGreaterThan(historicWindow);
  });

  it('robust z-score, before its first score and with its window full', () => {
    const values = series('realKnownCause/machine_temperature_system_failure.csv').slice(0, 5000);
    const step = (d: ReturnType<typeof createRobustZScore>, v: number) => [d.update(v), d.z, d.fill];
    expectResumes(() => createRobustZScore(defaultRobustZScoreOptions), restoreRobustZScore, step, values, [5, 10, 11, 99, 100, 101, ...spread(values.length)]);
  });

  it('refuses a snapshot of another kind', () => {
    expect(() => ContextualDetector.restore({ kind: 'art', version: 1 } as never)).toThrow(/contextual: cannot restore from a snapshot of kind art version 1/);
  });
});
