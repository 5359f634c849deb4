import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { art } from '../../src/operators/art.ts';
import type { Detection, Reading, State } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';
import { makeDetection, makeReading } from '../helpers/records.ts';

const reading = (value: number, offset: number): Reading => makeReading(value, offset, 'temperature');
const detection = (r: Reading, state: State, score: number | null, fill: number): Detection => makeDetection(r, 'art', state, score, fill);

// A tiny network so a few readings suffice: one reading per sample, windows of 2, 4 to learn.
const small = { step: 1, window: 2, learn: 4, trend: 2 };
const [a, b, c, d, e, f, g, h] = [5, 6, 5, 6, 5, 6, 5, 50].map(reading) as Reading[] as [Reading, Reading, Reading, Reading, Reading, Reading, Reading, Reading];
const A = detection(a, -2, null, 1 / 4);
const B = detection(b, -2, null, 2 / 4);
const C = detection(c, -2, null, 3 / 4);
const D = detection(d, 1, 0, 1);
const E = detection(e, 1, 0, 1);

describe('art', () => {
  it('initialises while it learns, then flags the reading that breaks the learned pattern', marbles((m) => {
    const source = m.cold('-a-b-c-d-e-f-g-h-|', { a, b, c, d, e, f, g, h });
    const expected = /*  */ '-A-B-C-D-E-F-G-H-|';
    m.expect(source.pipe(art(small))).toBeObservable(expected, {
      A, B, C, D, E,
      F: detection(f, 1, 0, 1),
      G: detection(g, 1, 0, 1),
      H: detection(h, -1, 1, 1), // 50 after 5, 6, 5, 6: no category resonates
    });
  }));

  // The doc comment's count: the first `learn - 1` readings initialise, the `learn`th is scored.
  it.each([4, 6, 10])('initialises exactly learn - 1 readings (learn %i), as its doc says', (learn) => {
    const states: State[] = [];
    from(Array.from({ length: learn + 2 }, (_, i) => reading(5 + (i % 2), i))).pipe(art({ ...small, learn })).subscribe((d) => states.push(d.state));
    expect(states.filter((s) => s === -2)).toHaveLength(learn - 1);
    expect(states[learn - 1]).not.toBe(-2);
  });

  it('counts a score equal to the threshold as an anomaly', marbles((m) => {
    const source = m.cold('abcdefgh|', { a, b, c, d, e, f, g, h });
    const values = { A, B, C, D, E, F: detection(f, 1, 0, 1), G: detection(g, 1, 0, 1) };
    m.expect(source.pipe(art({ ...small, threshold: 1 }))).toBeObservable('ABCDEFGH|', { ...values, H: detection(h, -1, 1, 1) });
  }));

  it('completes with the source, even while still learning', marbles((m) => {
    const source = m.cold('-a-b-|', { a, b });
    m.expect(source.pipe(art(small))).toBeObservable('-A-B-|', { A, B });
  }));

  it('passes an error on', marbles((m) => {
    const source = m.cold('-a-b-#', { a, b }, new Error('sensor gone'));
    m.expect(source.pipe(art(small))).toBeObservable('-A-B-#', { A, B }, new Error('sensor gone'));
  }));

  it('reports a non-finite value as an error notification, not a throw', marbles((m) => {
    const source = m.cold('-a-b-|', { a, b: reading(Number.NaN, 1) });
    m.expect(source.pipe(art(small))).toBeObservable('-A-#', { A }, new RangeError('art: values must be finite, got NaN'));
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-d-e-f-|', { a, b, c, d, e, f });
    const subs = /*    */ '^--------!';
    const expected = /*  */ '-A-B-C-D--';
    m.expect(source.pipe(art(small)), subs).toBeObservable(expected, { A, B, C, D });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('keeps one network per subscription', marbles((m) => {
    const source = m.cold('abcd|', { a, b, c, d });
    const op = source.pipe(art(small));
    m.expect(op).toBeObservable('ABCD|', { A, B, C, D });
    m.expect(op).toBeObservable('ABCD|', { A, B, C, D });
  }));

  it('stops a synchronous source as soon as the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(art(small), (i) => reading(i % 2, i), 5);
    expect(outputs.map((x) => x.state)).toEqual([-2, -2, -2, 1, 1]);
    expect(produced).toBe(5);
  });

  it('rejects bad options when the pipeline is assembled', () => {
    expect(() => art({ threshold: 2 })).toThrow(/art: threshold must be in \[0, 1\], got 2/);
    expect(() => art({ step: 0 })).toThrow(/art: step must be an integer >= 1, got 0/);
    expect(() => art({ window: 6 })).toThrow(/art: window must be a power of 2, got 6/);
    expect(() => art({ step: 7, learn: 240 })).toThrow(/art: learn must be a multiple of step \(7\), got 240/);
  });
});
