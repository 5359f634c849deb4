import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { contextual } from '../../src/operators/contextual.ts';
import type { Detection, Reading, State } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';
import { makeDetection, makeReading } from '../helpers/records.ts';

const reading = (value: number, offset: number): Reading => makeReading(value, offset, 'temperature');
const a = reading(10, 0);
const b = reading(20, 1);
const c = reading(10, 2);
const d = reading(20, 3);
const e = reading(500, 4);

const detection = (r: Reading, state: State, score: number | null, fill: number): Detection =>
  makeDetection(r, 'contextual', state, score, fill);

const A = detection(a, -2, null, 1 / 3);
const B = detection(b, -2, null, 2 / 3);
const C = detection(c, 1, 0, 1);
const D = detection(d, 1, 0, 1);
const E = detection(e, -1, 1, 1);

describe('contextual', () => {
  it('initialises while it learns, then scores each reading; a new extreme is an anomaly', marbles((m) => {
    const source = m.cold('-a--b--c--d--e--|', { a, b, c, d, e });
    const expected = /*  */ '-A--B--C--D--E--|';
    m.expect(source.pipe(contextual({ learn: 3 }))).toBeObservable(expected, { A, B, C, D, E });
  }));

  it('keeps one detector per subscription', marbles((m) => {
    const source = m.cold('-a--b--c--d--e--|', { a, b, c, d, e });
    const detect = source.pipe(contextual({ learn: 3 }));
    m.expect(detect).toBeObservable('-A--B--C--D--E--|', { A, B, C, D, E });
    m.expect(detect).toBeObservable('-A--B--C--D--E--|', { A, B, C, D, E });
  }));

  it('is an anomaly exactly when the score reaches its threshold', marbles((m) => {
    const source = m.cold('-a--b--c--d--e--|', { a, b, c, d, e });
    m.expect(source.pipe(contextual({ learn: 3, threshold: 0 }))).toBeObservable('-A--B--C--D--E--|', {
      A,
      B,
      C: detection(c, -1, 0, 1),
      D: detection(d, -1, 0, 1),
      E,
    });
  }));

  // The doc comment's count: the first `learn - 1` readings initialise, the `learn`th is scored.
  it.each([2, 3, 10])('initialises exactly learn - 1 readings (learn %i), as its doc says', (learn) => {
    const states: State[] = [];
    from(Array.from({ length: learn + 2 }, (_, i) => reading(10 + 10 * (i % 2), i))).pipe(contextual({ learn })).subscribe((d) => states.push(d.state));
    expect(states.filter((s) => s === -2)).toHaveLength(learn - 1);
    expect(states[learn - 1]).not.toBe(-2);
  });

  it('completes with the source, even while learning', marbles((m) => {
    const source = m.cold('-a--b--|', { a, b });
    m.expect(source.pipe(contextual({ learn: 3 }))).toBeObservable('-A--B--|', { A, B });
  }));

  it('passes an error on', marbles((m) => {
    const source = m.cold('-a--b--#', { a, b }, new Error('sensor gone'));
    m.expect(source.pipe(contextual({ learn: 3 }))).toBeObservable('-A--B--#', { A, B }, new Error('sensor gone'));
  }));

  it('reports a non-finite value as an error notification, not a throw', marbles((m) => {
    const source = m.cold('-a-b-c-|', { a, b: reading(Number.NaN, 1), c });
    m.expect(source.pipe(contextual({ learn: 3 }))).toBeObservable(
      '-A-#',
      { A },
      new RangeError('contextual: values must be finite, got NaN'),
    );
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a--b--c--d--e--|', { a, b, c, d, e });
    const subs = /*    */ '^--------!';
    const expected = /*  */ '-A--B--C--';
    m.expect(source.pipe(contextual({ learn: 3 })), subs).toBeObservable(expected, { A, B, C });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops a synchronous source as soon as the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(contextual({ learn: 3 }), (i) => reading(i % 2, i), 4);
    expect(outputs.map((x) => x.state)).toEqual([-2, -2, 1, 1]);
    expect(produced).toBe(4);
  });

  it('rejects bad options when the pipeline is assembled', () => {
    expect(() => contextual({ threshold: 2 })).toThrow(/contextual: threshold must be in \[0, 1\], got 2/);
    expect(() => contextual({ learn: 1 })).toThrow(RangeError);
    expect(() => contextual({ learn: 100, replay: 50 })).toThrow(/contextual: replay must be an integer in \[100, Infinity\], got 50/);
    expect(() => contextual({ margin: -1 })).toThrow(/contextual: margin must be a number/);
  });
});
