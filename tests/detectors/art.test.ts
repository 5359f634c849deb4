import { describe, expect, it } from 'vitest';
import { ArtDetector } from '../../src/detectors/art.ts';

const wave = (i: number): number => 50 + 10 * Math.sin((2 * Math.PI * i) / 48);
const run = (d: ArtDetector, values: readonly number[]): (number | null)[] => values.map((v) => d.update(v));
/** The highest score; the learning period's nulls must not be in `xs`. */
const max = (xs: readonly (number | null)[]): number => xs.reduce<number>((m, x) => Math.max(m, x!), 0);

/** A deterministic pseudo-random series in [0, 1). */
function lcg(seed: number): () => number {
  let r = seed;
  return () => (r = (r * 48271) % 2147483647) / 2147483647;
}

describe('ArtDetector', () => {
  it('stays quiet on a learned daily wave, then alarms when the wave breaks', () => {
    const d = new ArtDetector();
    const values = Array.from({ length: 3200 }, (_, i) => (i >= 3000 && i < 3030 ? 90 : wave(i)));
    const scores = run(d, values);
    expect(max(scores.slice(1000, 3000))).toBe(0);
    expect(max(scores.slice(3000, 3060))).toBeGreaterThan(0.5);
  });

  it('scores a constant series 0 once it has learned it', () => {
    const d = new ArtDetector();
    const scores = run(d, Array.from({ length: 5000 }, () => 7));
    expect(d.fill).toBe(1);
    expect(max(scores.slice(239))).toBe(0);
  });

  it('is causal: a row scores the same whatever follows it', () => {
    const rnd = lcg(7);
    const values = Array.from({ length: 2000 }, (_, i) => wave(i) + 5 * rnd() + (i === 1500 ? 200 : 0));
    const whole = run(new ArtDetector(), values);
    const prefix = run(new ArtDetector(), values.slice(0, 1200));
    expect(whole.slice(0, 1200)).toEqual(prefix);
  });

  it('learns the range as values arrive: a new extreme after learning still alarms', () => {
    const d = new ArtDetector();
    const scores = run(d, Array.from({ length: 2400 }, (_, i) => (i >= 2000 ? 500 : wave(i))));
    expect(max(scores.slice(2000, 2040))).toBeGreaterThan(0.5);
  });

  it('keeps at most maxCategories categories on an endless noisy stream', () => {
    const rnd = lcg(1);
    const d = new ArtDetector({ maxCategories: 32 });
    for (let i = 0; i < 1e5; i++) d.update(100 * rnd() + (i % 1000 === 0 ? 1000 * rnd() : 0));
    expect(d.categories).toBe(32);
  });

  it('reports its learning progress, and rejects non-finite values', () => {
    const d = new ArtDetector({ step: 6, learn: 240 });
    const learning = run(d, Array.from({ length: 239 }, (_, i) => wave(i)));
    expect(learning.every((score) => score === null)).toBe(true); // null while learning, as every online detector
    expect(d.fill).toBeCloseTo(239 / 240);
    expect(d.update(wave(239))).toBe(0);
    expect(d.fill).toBe(1);
    expect(() => d.update(Number.POSITIVE_INFINITY)).toThrow(/art: values must be finite, got Infinity/);
  });

  it('rejects bad options', () => {
    expect(() => new ArtDetector({ chomp: 1 })).toThrow(/art: chomp must be in \[0, 1\), got 1/);
    expect(() => new ArtDetector({ margin: -1 })).toThrow(/art: margin must be a finite number >= 0, got -1/);
    expect(() => new ArtDetector({ learn: 12 })).toThrow(/art: learn must be an integer >= 60, got 12/);
  });
});
