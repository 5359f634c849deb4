import { describe, expect, it } from 'vitest';
import { robustZScore } from '../../src/operators/robustZScore.ts';
import type { Detection, Reading, State } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';
import { makeDetection, makeReading } from '../helpers/records.ts';

const [a, b, c, d, e] = [10, 11, 10, 11, 50].map((v, i) => makeReading(v, i, 'temperature')) as [Reading, Reading, Reading, Reading, Reading];
const detection = (r: Reading, state: State, score: number | null, fill: number): Detection => makeDetection(r, 'robust-z-score', state, score, fill);
const mapped = (z: number): number => 1 - Math.exp(-z / 3);
const options = { window: 4, minValues: 2 };

const A = detection(a, -2, null, 1 / 3);
const B = detection(b, -2, null, 2 / 3);
const C = detection(c, 1, mapped(0.5 / (1.4826 * 0.5)), 1); // [10, 11]: median 10.5, MAD 0.5
const D = detection(d, 1, mapped(1 / ((1.2533 * 1) / 3)), 1); // [10, 10, 11]: MAD 0, mean deviation 1/3
const E = detection(e, -1, mapped(39.5 / (1.4826 * 0.5)), 1); // [10, 10, 11, 11]: median 10.5, MAD 0.5

describe('robustZScore', () => {
  it('initialises, then scores each reading against the window before it', marbles((m) => {
    const source = m.cold('-a--b--c--d--e--|', { a, b, c, d, e });
    m.expect(source.pipe(robustZScore(options))).toBeObservable('-A--B--C--D--E--|', { A, B, C, D, E });
  }));

  it('completes with the source', marbles((m) => {
    m.expect(m.cold('-a--b--|', { a, b }).pipe(robustZScore(options))).toBeObservable('-A--B--|', { A, B });
  }));

  it('passes an error on', marbles((m) => {
    const source = m.cold('-a--b--#', { a, b }, new Error('sensor gone'));
    m.expect(source.pipe(robustZScore(options))).toBeObservable('-A--B--#', { A, B }, new Error('sensor gone'));
  }));

  it('reports a non-finite value as an error notification', marbles((m) => {
    const source = m.cold('-a-b-|', { a, b: makeReading(Number.NaN, 1, 'temperature') });
    m.expect(source.pipe(robustZScore(options))).toBeObservable('-A-#', { A }, new RangeError('robustZScore: value must be finite, got NaN'));
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a--b--c--d--e--|', { a, b, c, d, e });
    const subs = /*    */ '^--------!';
    m.expect(source.pipe(robustZScore(options)), subs).toBeObservable('-A--B--C--', { A, B, C });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('starts afresh for each subscription', marbles((m) => {
    const scored = m.cold('-a--b--c--|', { a, b, c }).pipe(robustZScore(options));
    m.expect(scored).toBeObservable('-A--B--C--|', { A, B, C });
    m.expect(scored).toBeObservable('-A--B--C--|', { A, B, C });
  }));

  it('stops a synchronous source as soon as the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(robustZScore(options), (i) => makeReading(i % 2, i), 4);
    expect(outputs.map((x) => x.state)).toEqual([-2, -2, 1, 1]);
    expect(produced).toBe(4);
  });

  it('rejects bad options when the pipeline is assembled', () => {
    expect(() => robustZScore({ window: 1 })).toThrow(/robustZScore: window must be an integer >= 2, got 1/);
    expect(() => robustZScore({ threshold: 0 })).toThrow(/robustZScore: threshold must be in \(0, 1\], got 0/);
  });
});
