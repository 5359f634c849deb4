import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ensemble } from '../../src/operators/ensemble.ts';
import type { Detection, Reading } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';
import { makeDetection, makeReading } from '../helpers/records.ts';

// Two stand-in detectors whose scores are written on the readings: x says value / 10, y says
// (value - 5) / 10; both initialise on a value of 0.
const says = (name: string, score: (v: number) => number) =>
  map((r: Reading): Detection => (r.value === 0 ? makeDetection(r, name, -2, null, 0.5) : makeDetection(r, name, 1, score(r.value), 1)));
const x = { detector: says('x', (v) => Math.min(1, v / 10)), threshold: 0.5 };
const y = { detector: says('y', (v) => Math.max(0, (v - 5) / 10)), threshold: 0.25 };
const pair = ensemble([x, y], { name: 'xy' });

const [a, b, c] = [0, 5, 10].map((v, i) => makeReading(v, i)) as [Reading, Reading, Reading];
const A = makeDetection(a, 'xy', -2, null, 0.5);
const B = makeDetection(b, 'xy', 1, (0.5 / 1 + 0 / 0.5) / 2, 1); // x at its threshold, y silent
const C = makeDetection(c, 'xy', -1, 1, 1); // x twice its threshold, y twice its own

describe('ensemble', () => {
  it('averages what the members say, each relative to its own threshold', marbles((m) => {
    const source = m.cold('-a--b--c--|', { a, b, c });
    m.expect(source.pipe(pair)).toBeObservable('-A--B--C--|', { A, B, C });
  }));

  it('weighs the members as told', marbles((m) => {
    const weighted = ensemble([{ ...x, weight: 3 }, y], { name: 'xy' });
    // b: x at its threshold (0.5) with 3/4 of the say, y silent
    m.expect(m.cold('b|', { b }).pipe(weighted)).toBeObservable('B|', { B: makeDetection(b, 'xy', 1, 0.75 * 0.5, 1) });
  }));

  it('counts a member still learning as 0, and initialises only while every member does', marbles((m) => {
    const late = { detector: map((r: Reading) => makeDetection(r, 'late', -2, null, 0.25)), threshold: 0.5 };
    const withLate = ensemble([x, late], { name: 'xl', threshold: 0.2 });
    const source = m.cold('ab|', { a, b });
    m.expect(source.pipe(withLate)).toBeObservable('AB|', {
      A: makeDetection(a, 'xl', -2, null, (0.5 + 0.25) / 2),
      B: makeDetection(b, 'xl', -1, 0.25, 1),
    });
  }));

  it('subscribes to the source once, whatever the number of members', marbles((m) => {
    const source = m.cold('-a--b--|', { a, b });
    m.expect(source.pipe(ensemble([x, y, x], { name: 'three' }))).toBeObservable('-A--B--|', {
      A: makeDetection(a, 'three', -2, null, 0.5),
      B: makeDetection(b, 'three', 1, (0.5 + 0 + 0.5) / 3, 1),
    });
    m.expect(source).toHaveSubscriptions('^------!');
  }));

  it('completes with the source', marbles((m) => {
    m.expect(m.cold('-a--|', { a }).pipe(pair)).toBeObservable('-A--|', { A });
  }));

  it('passes an error on', marbles((m) => {
    const source = m.cold('-a--b--#', { a, b }, new Error('sensor gone'));
    m.expect(source.pipe(pair)).toBeObservable('-A--B--#', { A, B }, new Error('sensor gone'));
  }));

  it("ends with the error a member's detector throws", marbles((m) => {
    const broken = { detector: map((r: Reading): Detection => { if (r.value === 5) throw new Error('model corrupt'); return makeDetection(r, 'z', -2, null, 0.5); }), threshold: 1 };
    const source = m.cold('-a--b--c--|', { a, b, c });
    const subs = /*     */ '^---!';
    m.expect(source.pipe(ensemble([x, broken], { name: 'xz' }))).toBeObservable('-A--#', { A: { ...A, detector: 'xz' } }, new Error('model corrupt'));
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a--b--c--|', { a, b, c });
    const subs = /*    */ '^-----!';
    m.expect(source.pipe(pair), subs).toBeObservable('-A--B--', { A, B });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops a synchronous source as soon as the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(pair, (i) => makeReading(1 + (i % 9), i), 3);
    expect(outputs).toHaveLength(3);
    expect(produced).toBe(3);
  });

  it('refuses members it cannot weigh, at assembly', () => {
    expect(() => ensemble([], { name: 'none' })).toThrow(/at least one member/);
    expect(() => ensemble([{ ...x, threshold: 0 }], { name: 'z' })).toThrow(/member 0's threshold must be a finite number > 0, got 0/);
    expect(() => ensemble([x], { name: 'z', threshold: 1.5 })).toThrow(/threshold must be in \(0, 1\], got 1.5/);
    expect(() => ensemble([{ ...x, weight: -1 }], { name: 'z' })).toThrow(/member 0's weight must be a finite number > 0, got -1/);
  });
});
