/**
 * NAB's scoring on hand-made files whose scores can be worked out on paper: a window's first row
 * earns A_TP, a miss costs A_FN, a false positive costs little just after a window and A_FP long
 * after it, probationary rows never count, and the sweep breaks ties towards the highest threshold.
 */
import { describe, expect, it } from 'vitest';
import { type NabFile, type Profile, countWindows, fileWeights, normalize, probationaryLength, rawScore, scaledSigmoid, scoreAt, sweep } from '../../../src/evaluation/nab/scorer.ts';

const standard: Profile = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };
const lowFn: Profile = { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 };

/** n rows scored 0 except `hits` (row → score), with the given windows. */
function file(n: number, windows: [number, number][], hits: Record<number, number> = {}, name = 'f.csv'): NabFile {
  const scores = new Float64Array(n);
  for (const [row, s] of Object.entries(hits)) scores[Number(row)] = s;
  return { name, timestamps: Array.from({ length: n }, (_, i) => String(i)), scores, windows: windows.map(([start, end]) => ({ start, end })) };
}

// 2 000 rows: probation 300; one window of W = 207 rows, like nyc_taxi's
const win: [number, number] = [1000, 1206];

describe('scaledSigmoid', () => {
  it('takes NAB sample values', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
    expect(scaledSigmoid(3.0001)).toBe(-1);
  });
});

describe('probationaryLength', () => {
  it('is 15% of the file, at most 750 rows', () => {
    expect(probationaryLength(4032)).toBe(604);
    expect(probationaryLength(10_320)).toBe(750);
    expect(probationaryLength(2000)).toBe(300);
  });
});

describe('fileWeights', () => {
  it('decays inside a window and penalises from the preceding window only', () => {
    const w = fileWeights(file(3000, [win, [2000, 2206]]), standard);
    expect(w.weight[1000]).toBeCloseTo(1, 12);
    expect(w.weight[1206]).toBeCloseTo(0.0122, 4); // the last row earns about 0
    expect(w.weight[1207]).toBeCloseTo(-0.0121 * 0.11, 4);
    expect(w.weight[999]).toBe(-0.11); // no window has ended yet
    expect(w.weight[1999]).toBe(-0.11); // the next window is never considered
    expect(w.window[999]).toBe(-1);
    expect(w.window[1100]).toBe(0);
    expect(w.window[2100]).toBe(1);
  });
});

describe('rawScore', () => {
  it('gives exactly A_TP for a detection on the window\'s first row', () => {
    expect(rawScore(file(2000, [win], { 1000: 0.9 }), 0.5, standard)).toBeCloseTo(1, 12);
  });

  it('counts only the earliest detection in a window', () => {
    const f = file(2000, [win], { 1000: 0.9, 1001: 0.9, 1100: 0.9 });
    expect(rawScore(f, 0.5, standard)).toBeCloseTo(1, 12);
    expect(rawScore(file(2000, [win], { 1103: 0.9 }), 0.5, standard)).toBeCloseTo(scaledSigmoid(-(1206 - 1103 + 1) / 207) / scaledSigmoid(-1), 12);
  });

  it('costs -A_FN for a missed window', () => {
    expect(rawScore(file(2000, [win]), 0.5, standard)).toBe(-1);
    expect(rawScore(file(2000, [win]), 0.5, lowFn)).toBe(-2);
  });

  it('charges almost nothing for a false positive right after a window, A_FP three window-lengths later', () => {
    const justAfter = rawScore(file(2000, [win], { 1207: 0.9 }), 0.5, standard);
    expect(justAfter + 1).toBeCloseTo(-0.0121 * 0.11, 4);
    const later = rawScore(file(2000, [win], { [1206 + 3 * 206 + 1]: 0.9 }), 0.5, standard);
    expect(later).toBeCloseTo(-1 - 0.11, 12);
    const oneLength = rawScore(file(2000, [win], { [1206 + 206]: 0.9 }), 0.5, standard);
    expect(oneLength + 1).toBeCloseTo(-0.987 * 0.11, 3);
  });

  it('ignores probationary rows, and windows they empty', () => {
    expect(rawScore(file(2000, [win], { 10: 1, 299: 1 }), 0.5, standard)).toBe(-1);
    const early = file(2000, [[100, 200]], { 150: 1 });
    expect(rawScore(early, 0.5, standard)).toBe(0);
    expect(countWindows([early])).toBe(0);
    // a window partly inside the probation keeps its full width, but only its later rows count
    const straddling = file(2000, [[250, 456]], { 260: 1, 300: 1 });
    expect(rawScore(straddling, 0.5, standard)).toBeCloseTo(scaledSigmoid(-(456 - 300 + 1) / 207) / scaledSigmoid(-1), 12);
  });

  it('detects on s >= θ', () => {
    expect(rawScore(file(2000, [win], { 1000: 0.5 }), 0.5, standard)).toBeCloseTo(1, 12);
    expect(rawScore(file(2000, [win], { 1000: 0.5 }), 0.5000001, standard)).toBe(-1);
  });
});

describe('normalize', () => {
  it('maps never alarming to 0 and perfect detection to 100', () => {
    expect(normalize(-2, 2, standard)).toBe(0);
    expect(normalize(2, 2, standard)).toBe(100);
    expect(normalize(-4, 2, lowFn)).toBe(0);
    expect(normalize(2, 2, lowFn)).toBe(100);
  });
});

describe('sweep', () => {
  it('breaks ties towards the highest threshold', () => {
    // at 0.9 the window is caught; 0.8 adds a later row of the same window: same S
    const result = sweep([file(2000, [win], { 1000: 0.9, 1100: 0.8 })], standard);
    expect(result.threshold).toBe(0.9);
    expect(result.raw).toBeCloseTo(1, 12);
    expect(result.normalized).toBeCloseTo(100, 10);
  });

  it('keeps θ = 1.1 when detecting nothing is best', () => {
    const result = sweep([file(2000, [], { 1500: 0.9 })], standard);
    expect(result.threshold).toBe(1.1);
    expect(result.raw).toBe(0);
  });

  it('finds the best S of an exhaustive search over thresholds', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const files = [0, 1, 2].map((k) => {
      const f = file(1500 + 500 * k, [[600 + 100 * k, 700 + 100 * k], [1200, 1300]], {}, `f${k}.csv`);
      for (let i = 0; i < f.scores.length; i++) (f.scores as Float64Array)[i] = Math.round(random() ** 8 * 50) / 50;
      return f;
    });
    for (const profile of [standard, lowFn, { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 }]) {
      const thresholds = [1.1, ...new Set(files.flatMap((f) => Array.from(f.scores)))].sort((a, b) => b - a);
      const scored = thresholds.map((t) => scoreAt(files, t, profile));
      const best = scored.reduce((a, b) => (b.raw > a.raw + 1e-9 ? b : a));
      const result = sweep(files, profile);
      expect(result.raw).toBeCloseTo(best.raw, 9);
      expect(result.threshold).toBe(best.threshold);
      expect(result.perFile.reduce((s, f) => s + f.raw, 0)).toBeCloseTo(result.raw, 9);
    }
  });
});
