import { describe, expect, it } from 'vitest';
import { isolationForestScore } from '../../src/detectors/isolationForest.ts';
import { isolationForest } from '../../src/operators/isolationForest.ts';
import { warmUp } from '../../src/operators/warmUp.ts';
import type { Detection, Reading, State } from '../../src/types.ts';
import { marbles } from '../helpers/marbles.ts';
import { makeDetection, makeReading } from '../helpers/records.ts';

const reading = (value: number, offset: number): Reading => makeReading(value, offset, 'humidite');
const a = reading(10, 0);
const b = reading(10, 1);
const c = reading(10, 2);
const d = reading(99, 3);

const detection = (r: Reading, state: State, score: number | null, fill: number): Detection =>
  makeDetection(r, 'isolation-forest', state, score, fill);

const A = detection(a, -2, null, 1 / 3);
const B = detection(b, -2, null, 2 / 3);
// [10, 10, 10]: no split possible, 0.5, not above the threshold. [10, 10, 99]: any split isolates 99.
const C = detection(c, 1, 0.5, 1);
const D = detection(d, -1, isolationForestScore([10, 10, 99], { trees: 100, sampleSize: 256, seed: 42 }), 1);

describe('isolationForest', () => {
  it('initialises while the window fills, then scores each newest reading', marbles((m) => {
    const source = m.cold('-a--b--c--d--|', { a, b, c, d });
    const expected = /*  */ '-A--B--C--D--|';
    m.expect(source.pipe(warmUp(3), isolationForest({ threshold: 0.5 }))).toBeObservable(expected, { A, B, C, D });
  }));

  it('labels an anomaly only above the threshold', marbles((m) => {
    const source = m.cold('-a--b--c--d--|', { a, b, c, d });
    m.expect(source.pipe(warmUp(3), isolationForest({ threshold: 0.9 }))).toBeObservable('-A--B--C--D--|', {
      A,
      B,
      C,
      D: { ...D, state: 1 },
    });
  }));

  it('uses its seed, trees and sampleSize', marbles((m) => {
    const [v, w, x, y, z] = [50, 51, 49, 52, 50.3].map(reading) as [Reading, Reading, Reading, Reading, Reading];
    const source = m.cold('abcde|', { a: v, b: w, c: x, d: y, e: z });
    const options = { trees: 7, sampleSize: 4, seed: 3, threshold: 0.5 };
    const scoreD = isolationForestScore([50, 51, 49, 52], options);
    const scoreE = isolationForestScore([51, 49, 52, 50.3], options);
    m.expect(source.pipe(warmUp(4), isolationForest(options))).toBeObservable('ABCDE|', {
      A: detection(v, -2, null, 1 / 4),
      B: detection(w, -2, null, 2 / 4),
      C: detection(x, -2, null, 3 / 4),
      D: detection(y, scoreD > 0.5 ? -1 : 1, scoreD, 1),
      E: detection(z, scoreE > 0.5 ? -1 : 1, scoreE, 1),
    });
  }));

  it('completes with the source, without scoring a partial window', marbles((m) => {
    const source = m.cold('-a--b--|', { a, b });
    m.expect(source.pipe(warmUp(3), isolationForest())).toBeObservable('-A--B--|', { A, B });
  }));

  it('passes an error on', marbles((m) => {
    const source = m.cold('-a--b--c--#', { a, b, c }, new Error('broker gone'));
    m.expect(source.pipe(warmUp(3), isolationForest())).toBeObservable('-A--B--C--#', { A, B, C }, new Error('broker gone'));
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a--b--c--d--|', { a, b, c, d });
    const subs = /*    */ '^--------!';
    const expected = /*  */ '-A--B--C--';
    m.expect(source.pipe(warmUp(3), isolationForest()), subs).toBeObservable(expected, { A, B, C });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('rejects bad options when the pipeline is assembled', () => {
    expect(() => isolationForest({ trees: 0 })).toThrow(/trees must be an integer >= 1, got 0/);
    expect(() => isolationForest({ sampleSize: -3 })).toThrow(/sampleSize must be an integer >= 1, got -3/);
    expect(() => isolationForest({ seed: 0.5 })).toThrow(/seed must be an integer, got 0.5/);
    expect(() => isolationForest({ threshold: 1.5 })).toThrow(/threshold must be in \[0, 1\], got 1.5/);
  });
});
