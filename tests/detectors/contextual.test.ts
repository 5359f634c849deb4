import { describe, expect, it } from 'vitest';
import { ContextMemory } from '../../src/detectors/contextMemory.ts';
import { ContextualDetector } from '../../src/detectors/contextual.ts';
import { seededRandom } from '../../src/random.ts';

const run = (detector: ContextualDetector, values: readonly number[]): (number | null)[] => values.map((v) => detector.update(v));
const repeat = (pattern: readonly number[], length: number): number[] => Array.from({ length }, (_, i) => pattern[i % pattern.length]!);

describe('ContextualDetector', () => {
  it('is quiet on a learnt repeated pattern and scores high on a novel sequence within the same range', () => {
    const detector = new ContextualDetector();
    const learnt = run(detector, repeat([0, 1, 2, 3, 4, 3, 2, 1], 3000));
    expect(Math.max(...(learnt.slice(1000) as number[]))).toBe(0);
    const novel = run(detector, [0, 4, 0, 4, 1, 3, 1, 3]);
    expect(Math.max(...(novel as number[]))).toBeGreaterThanOrEqual(0.75);
  });

  it('scores a constant series 0 once it has learnt it', () => {
    const scores = run(new ContextualDetector(), repeat([5], 1000));
    expect(scores.slice(50).every((s) => s === 0)).toBe(true);
  });

  it('scores a new extreme 1, then rests', () => {
    const detector = new ContextualDetector();
    run(detector, repeat([10, 12, 14, 12], 2000));
    expect(detector.update(100)).toBe(1);
    expect(run(detector, [10, 100, 10, 200]).every((s) => s === 0)).toBe(true); // resting, however odd
  });

  it('is causal: a score does not change with what follows', () => {
    const random = seededRandom(7);
    const values = Array.from({ length: 3000 }, (_, i) => Math.sin(i / 20) + random.normal() * 0.1 + (i > 2000 ? 3 : 0));
    const whole = run(new ContextualDetector(), values);
    expect(run(new ContextualDetector(), values.slice(0, 2100))).toEqual(whole.slice(0, 2100));
  });

  it('reports how far learning has got', () => {
    const detector = new ContextualDetector({ learn: 4 });
    expect(detector.fill).toBe(0);
    expect(run(detector, [1, 2, 3])).toEqual([null, null, null]); // null while learning, as every online detector
    expect(detector.fill).toBe(3 / 4);
    expect(detector.update(4)).toBe(0);
    expect(detector.fill).toBe(1);
  });

  it('keeps its memory bounded on a long unpredictable stream', () => {
    const random = seededRandom(42);
    // a small bound, reached and cleared many times over: the same path as 500 contexts over a
    // long stream, at a twentieth of the steps (100 000 steps took up to 30 s on a loaded machine)
    const detector = new ContextualDetector({ maxContexts: 100 });
    let [most, low, high, clears, before] = [0, 1, 0, 0, 0];
    for (let i = 0; i < 5_000; i++) {
      const score = detector.update(random.uniform(0, 100)) ?? 0; // null while learning
      [low, high] = [Math.min(low, score), Math.max(high, score)];
      most = Math.max(most, detector.contexts);
      if (detector.contexts < before) clears++;
      before = detector.contexts;
    }
    expect(most).toBe(100); // it filled up and was cleared, never beyond
    expect(clears).toBeGreaterThanOrEqual(5);
    expect([low, high]).toEqual([0, 1]);
  });

  it('rejects a non-finite value and bad options', () => {
    expect(() => new ContextualDetector().update(Number.POSITIVE_INFINITY)).toThrow(/contextual: values must be finite, got Infinity/);
    expect(() => new ContextualDetector({ bits: 9 })).toThrow(/contextual: bits must be an integer in \[1, 8\], got 9/);
    expect(() => new ContextualDetector({ baseThreshold: 1.5 })).toThrow(RangeError);
  });
});

describe('ContextMemory', () => {
  it('predicts the next step of a learnt sequence', () => {
    const memory = new ContextMemory(7, 15, 1000);
    const [x, y, z] = [[0, 2], [1, 2], [0, 3]];
    let last = memory.step(x!);
    for (let i = 0; i < 30; i++) for (const facts of [y!, z!, x!]) last = memory.step(facts);
    expect([...last.predicted].sort()).toEqual(y);
    const known = memory.step(y!);
    expect(known.active).toBeGreaterThan(0.5);
    expect(known.added).toBe(0);
  });
});
