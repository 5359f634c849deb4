import { Observable, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { dbscan } from '../../src/operators/dbscan.ts';
import { warmUp } from '../../src/operators/warmUp.ts';
import type { Detection, Reading, State } from '../../src/types.ts';
import { marbles } from '../helpers/marbles.ts';
import { makeDetection, makeReading } from '../helpers/records.ts';

const reading = (value: number, offset: number): Reading => makeReading(value, offset, 'temperature');
const a = reading(10, 0);
const b = reading(10, 1);
const c = reading(10.5, 2);
const d = reading(11.4, 3);
const e = reading(99, 4);

const detection = (r: Reading, state: State, score: number | null, fill: number): Detection =>
  makeDetection(r, 'dbscan', state, score, fill);

const A = detection(a, -2, null, 1 / 3);
const B = detection(b, -2, null, 2 / 3);

describe('dbscan', () => {
  it('initialises while the window fills, then labels each newest reading', marbles((m) => {
    const source = m.cold('-a--b--c--d--e--|', { a, b, c, d, e });
    const expected = /*  */ '-A--B--C--D--E--|';
    m.expect(source.pipe(warmUp(3), dbscan({ eps: 1, minSamples: 3 }))).toBeObservable(expected, {
      A,
      B,
      C: detection(c, 1, 0, 1), // [10, 10, 10.5]: all core
      D: detection(d, 1, (11.4 - 10.5) / 2, 1), // [10, 10.5, 11.4]: border of the core point 10.5
      E: detection(e, -1, 1, 1), // [10.5, 11.4, 99]: no core point at all
    });
  }));

  it("uses scikit-learn's defaults, eps 0.5 and minSamples 5", marbles((m) => {
    const [u, v, w, x, y, z] = [0, 0.5, 0.5, 0.5, 0.5, 1].map(reading) as [Reading, Reading, Reading, Reading, Reading, Reading];
    const source = m.cold('abcdef|', { a: u, b: v, c: w, d: x, e: y, f: z });
    // In [0, .5, .5, .5, .5]: 0 has exactly 5 neighbours (eps inclusive). In [.5, .5, .5, .5, 1], 1 too.
    m.expect(source.pipe(warmUp(5), dbscan())).toBeObservable('ABCDEF|', {
      A: detection(u, -2, null, 1 / 5),
      B: detection(v, -2, null, 2 / 5),
      C: detection(w, -2, null, 3 / 5),
      D: detection(x, -2, null, 4 / 5),
      E: detection(y, 1, 0, 1),
      F: detection(z, 1, 0, 1),
    });
  }));

  it('completes with the source, without labelling a partial window', marbles((m) => {
    const source = m.cold('-a--b--|', { a, b });
    m.expect(source.pipe(warmUp(3), dbscan({ eps: 1, minSamples: 3 }))).toBeObservable('-A--B--|', { A, B });
  }));

  it('passes an error on', marbles((m) => {
    const source = m.cold('-a--b--#', { a, b }, new Error('sensor gone'));
    m.expect(source.pipe(warmUp(3), dbscan({ eps: 1, minSamples: 3 }))).toBeObservable(
      '-A--B--#',
      { A, B },
      new Error('sensor gone'),
    );
  }));

  it('reports a non-finite value as an error notification, not a throw', marbles((m) => {
    const source = m.cold('-a-b-|', { a, b: reading(Number.NaN, 1) });
    m.expect(source.pipe(warmUp(2), dbscan({ eps: 1, minSamples: 1 }))).toBeObservable(
      '-A-#',
      { A: detection(a, -2, null, 1 / 2) },
      new RangeError('dbscan: values must be finite, got NaN at 1'),
    );
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a--b--c--d--e--|', { a, b, c, d, e });
    const subs = /*    */ '^--------!';
    const expected = /*  */ '-A--B--C--';
    m.expect(source.pipe(warmUp(3), dbscan({ eps: 1, minSamples: 3 })), subs).toBeObservable(expected, {
      A,
      B,
      C: detection(c, 1, 0, 1),
    });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops a synchronous source as soon as the consumer has enough', () => {
    let produced = 0;
    const infinite = new Observable<Reading>((subscriber) => {
      for (let i = 0; !subscriber.closed; i++) {
        produced++;
        subscriber.next(reading(i % 2, i));
      }
    });
    const states: number[] = [];
    infinite.pipe(warmUp(3), dbscan({ eps: 1, minSamples: 3 }), take(4)).subscribe((x) => states.push(x.state));
    expect(states).toEqual([-2, -2, 1, 1]);
    expect(produced).toBe(4);
  });

  it('rejects bad options when the pipeline is assembled', () => {
    expect(() => dbscan({ eps: -1 })).toThrow(/dbscan: eps must be a finite number > 0, got -1/);
    expect(() => dbscan({ minSamples: 0 })).toThrow(/dbscan: minSamples must be an integer >= 1, got 0/);
  });
});
