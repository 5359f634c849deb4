import { describe, expect, it } from 'vitest';
import { createHalfSpaceTrees, defaultHalfSpaceTreesOptions } from '../../src/detectors/halfSpaceTrees.ts';
import { halfSpaceTrees } from '../../src/operators/halfSpaceTrees.ts';
import type { Detection, Reading } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';
import { makeDetection, makeReading } from '../helpers/records.ts';

const options = { shingle: 1, windowSize: 2, depth: 4, sizeLimit: 0 };
const readings = [1, 1, 1, 1, 9].map((v, i) => makeReading(v, i)) as [Reading, Reading, Reading, Reading, Reading];
const [a, b, c, d, e] = readings;

// What the operator must say: the pure detector's scores (its behaviour is tested on its own).
const forest = createHalfSpaceTrees({ ...defaultHalfSpaceTreesOptions, ...options });
const [A, B, C, D, E] = readings.map((r): Detection => {
  const score = forest.update(r.value);
  if (score === null) return makeDetection(r, 'half-space-trees', -2, null, forest.fill);
  return makeDetection(r, 'half-space-trees', score >= 0.5 ? -1 : 1, score, 1);
}) as [Detection, Detection, Detection, Detection, Detection];

describe('halfSpaceTrees', () => {
  it('initialises until a reference window exists, then scores each reading', marbles((m) => {
    expect([A.state, B.state, C.state, D.state]).toEqual([-2, -2, 1, 1]);
    expect(E.score!).toBeGreaterThan(D.score!); // 9: never seen there
    const source = m.cold('-a--b--c--d--e--|', { a, b, c, d, e });
    m.expect(source.pipe(halfSpaceTrees(options))).toBeObservable('-A--B--C--D--E--|', { A, B, C, D, E });
  }));

  it('completes with the source', marbles((m) => {
    m.expect(m.cold('-a--b--|', { a, b }).pipe(halfSpaceTrees(options))).toBeObservable('-A--B--|', { A, B });
  }));

  it('passes an error on', marbles((m) => {
    const source = m.cold('-a--b--#', { a, b }, new Error('sensor gone'));
    m.expect(source.pipe(halfSpaceTrees(options))).toBeObservable('-A--B--#', { A, B }, new Error('sensor gone'));
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a--b--c--d--e--|', { a, b, c, d, e });
    const subs = /*    */ '^--------!';
    m.expect(source.pipe(halfSpaceTrees(options)), subs).toBeObservable('-A--B--C--', { A, B, C });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops a synchronous source as soon as the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(halfSpaceTrees(options), (i) => makeReading(i % 3, i), 3);
    expect(outputs.map((x) => x.state)).toEqual([-2, -2, 1]);
    expect(produced).toBe(3);
  });

  it('rejects bad options when the pipeline is assembled', () => {
    expect(() => halfSpaceTrees({ trees: 0 })).toThrow(/halfSpaceTrees: trees must be an integer in \[1, 1000\], got 0/);
    expect(() => halfSpaceTrees({ threshold: 2 })).toThrow(/threshold must be in \(0, 1\]/);
  });
});
