import { describe, expect, it } from 'vitest';
import { createHalfSpaceTrees } from '../../src/detectors/halfSpaceTrees.ts';
import { seededRandom } from '../../src/random.ts';

const options = { shingle: 2, trees: 25, depth: 8, windowSize: 100, sizeLimit: 5, seed: 7 };

describe('createHalfSpaceTrees', () => {
  it('initialises until the first reference window is complete', () => {
    const d = createHalfSpaceTrees(options);
    const scores = Array.from({ length: 102 }, (_, i) => d.update(i % 5));
    expect(scores.slice(0, 100).every((s) => s === null)).toBe(true);
    expect(scores[101]).not.toBeNull();
  });

  it('scores a constant series 0 once the range has something in it', () => {
    const d = createHalfSpaceTrees(options);
    for (let i = 0; i < 300; i++) d.update(5);
    expect(d.update(5)).toBeCloseTo(0.0, 1);
  });

  it('scores a level shift high, then lower once the reference window has seen the new level', () => {
    const rand = seededRandom(3);
    const d = createHalfSpaceTrees(options);
    for (let i = 0; i < 1000; i++) d.update(i < 5 ? 20 * (i % 2) : 5 + rand.normal());
    const before = d.update(5)!;
    const after = Array.from({ length: 300 }, () => d.update(15 + rand.normal())!);
    expect(after[2]!).toBeGreaterThan(before + 0.2);
    expect(after[299]!).toBeLessThan(after[2]! - 0.2);
  });

  it('keeps its memory fixed: same scores from the same seed, any stream length', () => {
    const a = createHalfSpaceTrees(options);
    const b = createHalfSpaceTrees(options);
    let last: number | null = null;
    for (let i = 0; i < 1e5; i++) last = a.update(Math.sin(i / 10));
    for (let i = 0; i < 1e5; i++) b.update(Math.sin(i / 10));
    expect(b.update(0.5)).toBe(a.update(0.5));
    expect(last).not.toBeNull();
  });

  it('rejects bad options and non-finite values', () => {
    expect(() => createHalfSpaceTrees({ ...options, depth: 0 })).toThrow(/depth/);
    expect(() => createHalfSpaceTrees(options).update(Number.POSITIVE_INFINITY)).toThrow(/finite/);
  });
});
