import { describe, expect, it } from 'vitest';
import { averagePathLength, isolationForestScore } from '../../src/detectors/isolationForest.ts';
import { seededRandom } from '../../src/random.ts';

const options = { trees: 100, sampleSize: 256, seed: 42 };

/** 20 values ~ N(50, 1), then the newest. */
function window(newest: number, seed = 1): number[] {
  const random = seededRandom(seed);
  return [...Array.from({ length: 20 }, () => 50 + random.normal()), newest];
}

/** The score of values[i], made the newest of a window of the same values. */
function scoreOf(values: readonly number[], i: number, opts = options): number {
  const rest = values.filter((_, j) => j !== i);
  return isolationForestScore([...rest, values[i] as number], opts);
}

describe('isolationForestScore', () => {
  it('scores an obvious outlier above every inlier, and as an anomaly', () => {
    const values = window(500);
    const outlier = isolationForestScore(values, options);
    const inliers = values.slice(0, 20).map((_, i) => scoreOf(values, i));
    expect(outlier).toBeGreaterThan(0.5);
    expect(outlier).toBeGreaterThan(Math.max(...inliers));
  });

  it('scores the middle of the crowd below 0.5', () => {
    const values = window(50);
    expect(isolationForestScore(values, options)).toBeLessThan(0.5);
  });

  it('gives the same scores for the same seed, whatever was scored before', () => {
    const values = window(53);
    const first = isolationForestScore(values, options);
    isolationForestScore(window(500), options);
    expect(isolationForestScore(values, options)).toBe(first);
    expect(isolationForestScore([...values], { ...options })).toBe(first);
  });

  it('gives different scores for different seeds', () => {
    // An inlier: its paths vary. (An outlier isolated at depth 1 or 2 in almost every tree takes
    // few distinct scores, so two seeds can tie on it.)
    const values = window(50.3);
    const scores = new Set([1, 2, 3, 42].map((seed) => isolationForestScore(values, { ...options, seed })));
    expect(scores.size).toBe(4);
  });

  it('keeps every score in (0, 1]', () => {
    const random = seededRandom(9);
    for (let k = 0; k < 50; k++) {
      const values = Array.from({ length: 1 + (k % 25) }, () => random.uniform(-1e6, 1e6));
      const score = isolationForestScore(values, { trees: 10, sampleSize: 8, seed: k });
      expect(score).toBeGreaterThan(0);
      expect(score).toBeLessThanOrEqual(1);
    }
    expect(isolationForestScore([0, 0, 0, 1e300], { trees: 1, sampleSize: 256, seed: 0 })).toBeLessThanOrEqual(1);
  });

  it('scores a window of identical values exactly 0.5: no split, so not an anomaly', () => {
    expect(isolationForestScore(Array.from({ length: 21 }, () => 7), options)).toBe(0.5);
    expect(isolationForestScore([7], options)).toBe(0.5);
  });

  it('isolates a single distinct value in one split: 2^(-1/c(psi))', () => {
    // Any threshold in [10, 99) separates 99 from the rest at depth 1, whatever the seed.
    expect(isolationForestScore([10, 10, 99], options)).toBeCloseTo(2 ** (-1 / averagePathLength(3)), 12);
  });

  it('subsamples without replacement when the window is larger than sampleSize', () => {
    const values = window(500);
    const score = isolationForestScore(values, { trees: 200, sampleSize: 8, seed: 3 });
    expect(score).toBeGreaterThan(0.5);
    expect(score).toBeLessThanOrEqual(1);
  });

  it('uses scikit-learn average path lengths', () => {
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(256)).toBeCloseTo(2 * (Math.log(255) + 0.5772156649) - (2 * 255) / 256, 12);
  });

  it('rejects bad options and values with a RangeError that names them', () => {
    expect(() => isolationForestScore([1], { ...options, trees: 0 })).toThrow(/trees must be an integer >= 1, got 0/);
    expect(() => isolationForestScore([1], { ...options, sampleSize: 1.5 })).toThrow(/sampleSize must be an integer >= 1, got 1.5/);
    expect(() => isolationForestScore([1], { ...options, seed: Number.NaN })).toThrow(/seed must be an integer, got NaN/);
    expect(() => isolationForestScore([], options)).toThrow(/at least one value/);
    expect(() => isolationForestScore([1, Infinity], options)).toThrow(/finite, got Infinity at 1/);
  });
});
