import { describe, expect, it } from 'vitest';
import { logLikelihood, normalTail } from '../../src/detectors/anomalyLikelihood.ts';
import { anomalyLikelihood } from '../../src/operators/anomalyLikelihood.ts';
import type { Detection, State } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';
import { makeDetection, makeReading } from '../helpers/records.ts';

/** An upstream detection of value 5 with raw score `score` (null: the upstream still learns). */
const raw = (score: number | null, offset: number, value = 5): Detection =>
  makeDetection(makeReading(value, offset), 'raw', score === null ? -2 : 1, score, score === null ? 0.5 : 1);
const out = (d: Detection, state: State, score: number | null, fill: number): Detection => ({ ...d, detector: 'raw+likelihood', state, score, fill });

// Learning 1 row, then 2 averages before the first estimate; averages of the last 2 raw scores.
const options = { learningPeriod: 1, estimationSamples: 2, averagingWindow: 2, reestimationPeriod: 100, minStdev: 0.25 };
const [a, b, c, d, e] = [raw(null, 0), raw(0.25, 1), raw(0.25, 2), raw(0.25, 3), raw(0.75, 4)] as [Detection, Detection, Detection, Detection, Detection];
const A = out(a, -2, null, 0.25); // the upstream is initialising: half its fill
const B = out(b, -2, null, (1 + 1 / 3) / 2); // ignored while the likelihood learns: 1 of 3 rows
const C = out(c, -2, null, (1 + 2 / 3) / 2); // its average is the first of the estimation samples
const D = out(d, 1, logLikelihood(0.5), 1); // the first estimate's own row: no opinion
// History {0.25, 0.25} has no spread: stdev is minStdev. Average (0.25 + 0.75) / 2 is 1 stdev up.
const E = out(e, 1, logLikelihood(1 - normalTail(1)), 1);

describe('anomalyLikelihood', () => {
  it('initialises while the upstream and the likelihood learn, then scores each raw score', marbles((m) => {
    const source = m.cold('-a--b--c--d--e--|', { a, b, c, d, e });
    m.expect(source.pipe(anomalyLikelihood(options))).toBeObservable('-A--B--C--D--E--|', { A, B, C, D, E });
  }));

  it('completes with the source', marbles((m) => {
    m.expect(m.cold('-a--b--|', { a, b }).pipe(anomalyLikelihood(options))).toBeObservable('-A--B--|', { A, B });
  }));

  it('passes an error on', marbles((m) => {
    const source = m.cold('-a--b--#', { a, b }, new Error('sensor gone'));
    m.expect(source.pipe(anomalyLikelihood(options))).toBeObservable('-A--B--#', { A, B }, new Error('sensor gone'));
  }));

  it('scores 1 a value outside the range seen so far, and holds the next alarm back', marbles((m) => {
    const [p, q, r, s] = [raw(null, 0, 0), raw(null, 1, 10), raw(null, 2, 30), raw(null, 3, 90)] as [Detection, Detection, Detection, Detection];
    const source = m.cold('pqrs|', { p, q, r, s });
    m.expect(source.pipe(anomalyLikelihood({ ...options, suppress: 1 }))).toBeObservable('PQRS|', {
      P: out(p, -2, null, 0.25),
      Q: out(q, -2, null, 0.25),
      R: out(r, -1, 1, 1), // 30 > 10 + 5% of 10
      S: out(s, 1, 0.5 * 0.999, 1), // beyond the range too, but one row after an alarm
    });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a--b--c--d--e--|', { a, b, c, d, e });
    const subs = /*    */ '^--------!';
    m.expect(source.pipe(anomalyLikelihood(options)), subs).toBeObservable('-A--B--C--', { A, B, C });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops a synchronous source as soon as the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(anomalyLikelihood(options), (i) => raw(0.1, i), 4);
    expect(outputs.map((x) => x.state)).toEqual([-2, -2, 1, 1]);
    expect(produced).toBe(4);
  });

  it('rejects bad options when the pipeline is assembled', () => {
    expect(() => anomalyLikelihood({ averagingWindow: 0 })).toThrow(/anomalyLikelihood: averagingWindow must be an integer >= 1, got 0/);
    expect(() => anomalyLikelihood({ spatialTolerance: -1 })).toThrow(/spatialTolerance must be null or a finite number >= 0/);
    expect(() => anomalyLikelihood({ suppress: 1.5 })).toThrow(/suppress must be an integer >= 0, got 1.5/);
  });
});
