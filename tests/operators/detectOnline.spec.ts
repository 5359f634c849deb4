import { describe, expect, it } from 'vitest';
import { type OnlineDetector, detectOnline } from '../../src/operators/detectOnline.ts';
import type { Reading } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';
import { makeDetection, makeReading } from '../helpers/records.ts';

// Learns from its first value, then scores each value by its jump from the previous one, / 10.
function lastJump(): OnlineDetector {
  let last: number | null = null;
  return {
    update(value) {
      if (!Number.isFinite(value)) throw new RangeError(`lastJump: value must be finite, got ${value}`);
      const jump = last === null ? null : Math.min(1, Math.abs(value - last) / 10);
      last = value;
      return jump;
    },
    fill: 0.5,
  };
}
const detector = () => detectOnline('last-jump', lastJump, 0.5);

const [a, b, c] = [10, 12, 21].map((v, i) => makeReading(v, i)) as [Reading, Reading, Reading];
const A = makeDetection(a, 'last-jump', -2, null, 0.5);
const B = makeDetection(b, 'last-jump', 1, 0.2, 1);
const C = makeDetection(c, 'last-jump', -1, 0.9, 1);

describe('detectOnline', () => {
  it('initialises while the detector learns, then labels each reading by its score', marbles((m) => {
    m.expect(m.cold('-a--b--c--|', { a, b, c }).pipe(detector())).toBeObservable('-A--B--C--|', { A, B, C });
  }));

  it('gives each subscription a detector of its own', marbles((m) => {
    const source = m.cold('-a--b--|', { a, b });
    const shared = source.pipe(detector());
    m.expect(shared).toBeObservable('-A--B--|', { A, B });
    m.expect(shared).toBeObservable('-A--B--|', { A, B }); // the second learns from scratch too
  }));

  it('completes with the source', marbles((m) => {
    m.expect(m.cold('-a--|', { a }).pipe(detector())).toBeObservable('-A--|', { A });
  }));

  it("passes the source's error on, and the detector's own", marbles((m) => {
    m.expect(m.cold('-a--#', { a }, new Error('gone')).pipe(detector())).toBeObservable('-A--#', { A }, new Error('gone'));
    const nan = makeReading(Number.NaN, 1);
    m.expect(m.cold('-a--n--|', { a, n: nan }).pipe(detector())).toBeObservable('-A--#', { A }, new RangeError('lastJump: value must be finite, got NaN'));
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a--b--c--|', { a, b, c });
    const subs = /*    */ '^----!';
    m.expect(source.pipe(detector()), subs).toBeObservable('-A--B-', { A, B });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops a synchronous source as soon as the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(detector(), (i) => makeReading(i, i), 3);
    expect(outputs).toHaveLength(3);
    expect(produced).toBe(3);
  });
});
