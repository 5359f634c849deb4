import { describe, expect, it } from 'vitest';
import { createAnomalyLikelihood, createLikelihoodScore, defaultAnomalyLikelihoodOptions, logLikelihood, normalTail } from '../../src/detectors/anomalyLikelihood.ts';
import { seededRandom } from '../../src/random.ts';

const small = { ...defaultAnomalyLikelihoodOptions, learningPeriod: 50, estimationSamples: 100, historicWindow: 500 };

describe('createAnomalyLikelihood', () => {
  it('says nothing while learning and estimating, then 0.5 on the first estimate', () => {
    const l = createAnomalyLikelihood(small);
    const out = Array.from({ length: 151 }, () => l.update(0.1));
    expect(out.slice(0, 149).every((x) => x === null)).toBe(true);
    expect(out[149]).toBe(0.5);
    expect(out[150]).not.toBeNull();
  });

  it('stays low for a stationary raw score', () => {
    const rand = seededRandom(4);
    const l = createAnomalyLikelihood(small);
    const logs: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const x = l.update(Math.min(1, Math.max(0, 0.3 + 0.1 * rand.normal())));
      if (x !== null) logs.push(logLikelihood(x));
    }
    // The averages are correlated and the spread estimated from them, so the tail is a little
    // heavier than a normal's: still, almost nothing gets near NAB's usual threshold of 0.5.
    expect(logs.filter((x) => x >= 0.3).length / logs.length).toBeLessThan(0.005);
    expect(Math.max(...logs)).toBeLessThan(0.6);
  });

  it('rises on a run of high raw scores, then decays as the average moves on', () => {
    const rand = seededRandom(5);
    const l = createAnomalyLikelihood(small);
    for (let i = 0; i < 1000; i++) l.update(0.1 * rand.next());
    const run = Array.from({ length: 10 }, () => logLikelihood(l.update(1)!));
    expect(Math.max(...run)).toBeGreaterThan(0.5);
    const after = Array.from({ length: 20 }, () => logLikelihood(l.update(0.1 * rand.next())!));
    expect(after[19]!).toBeLessThan(0.1);
  });

  it('keeps a bounded state: the same answer after 1e5 scores whatever came long before', () => {
    const a = createAnomalyLikelihood(small);
    const b = createAnomalyLikelihood(small);
    for (let i = 0; i < 1e5; i++) a.update(i < 5e4 ? 0.9 : (i % 7) / 7);
    for (let i = 0; i < 1e5; i++) b.update((i % 7) / 7);
    expect(a.update(0.5)).toBeCloseTo(b.update(0.5)!, 12);
  });

  it('has a correct normal tail and log scale', () => {
    expect(normalTail(0)).toBeCloseTo(0.5, 5);
    expect(normalTail(1.96)).toBeCloseTo(0.025, 4);
    expect(normalTail(-1.96)).toBeCloseTo(0.975, 4);
    expect(logLikelihood(1 - 1e-5)).toBeCloseTo(0.5, 4);
    expect(logLikelihood(0)).toBe(0);
  });
});

describe('createLikelihoodScore', () => {
  const options = { ...small, spatialTolerance: 0.05, suppress: 10, threshold: 0.5 };

  it('scores 1 a value beyond the range seen so far, then holds the next scores below the threshold', () => {
    const s = createLikelihoodScore(options);
    for (let i = 0; i < 300; i++) s.update(0.1, i % 10);
    expect(s.update(0.1, 100)).toBe(1);
    expect(s.update(0.1, 200)).toBeLessThan(0.5);
  });

  it('scores a constant series as no news at all once estimated: likelihood 0.5, log score 0.03', () => {
    const s = createLikelihoodScore(options);
    let last: number | null = null;
    for (let i = 0; i < 1000; i++) last = s.update(0, 3);
    expect(last).toBeCloseTo(logLikelihood(0.5), 5);
    expect(last!).toBeLessThan(0.05);
  });
});
