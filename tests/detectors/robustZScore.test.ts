import { describe, expect, it } from 'vitest';
import { createRobustZScore } from '../../src/detectors/robustZScore.ts';
import { seededRandom } from '../../src/random.ts';

describe('createRobustZScore', () => {
  it('scores a constant series 0', () => {
    const d = createRobustZScore({ window: 20, minValues: 5, scale: 3 });
    const scores = Array.from({ length: 100 }, () => d.update(7));
    expect(scores.slice(0, 5)).toEqual([null, null, null, null, null]);
    expect(scores.slice(5).every((s) => s === 0)).toBe(true);
  });

  it('scores a level shift high, then less and less as the window fills with the new level', () => {
    const rand = seededRandom(1);
    const d = createRobustZScore({ window: 50, minValues: 10, scale: 3 });
    for (let i = 0; i < 200; i++) d.update(10 + rand.normal());
    const after = Array.from({ length: 60 }, () => d.update(30 + rand.normal())!);
    expect(after[0]).toBeGreaterThan(0.99);
    expect(after[40]!).toBeLessThan(0.5);
    expect(Math.max(...after.slice(30))).toBeLessThan(after[0]!);
  });

  it('is not moved by one spike: the next normal value scores low', () => {
    const rand = seededRandom(2);
    const d = createRobustZScore({ window: 50, minValues: 10, scale: 3 });
    for (let i = 0; i < 100; i++) d.update(rand.normal());
    expect(d.update(1000)!).toBeGreaterThan(0.99);
    expect(d.update(0.1)!).toBeLessThan(0.2);
  });

  it('holds at most `window` values after 1e5 of them', () => {
    const d = createRobustZScore({ window: 64, minValues: 10, scale: 3 });
    for (let i = 0; i < 1e5; i++) d.update(Math.sin(i));
    expect(d.size).toBe(64);
  });

  it('rejects non-finite values and bad options', () => {
    expect(() => createRobustZScore({ window: 1, minValues: 2, scale: 3 })).toThrow(RangeError);
    expect(() => createRobustZScore({ window: 10, minValues: 11, scale: 3 })).toThrow(/minValues/);
    expect(() => createRobustZScore().update(Number.NaN)).toThrow(/finite/);
  });
});
