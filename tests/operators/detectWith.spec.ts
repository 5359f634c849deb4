import { describe, expect, it } from 'vitest';
import { detectWith } from '../../src/operators/detectWith.ts';
import { warmUp } from '../../src/operators/warmUp.ts';
import type { Detection, Reading, State } from '../../src/types.ts';
import { marbles } from '../helpers/marbles.ts';
import { makeDetection, makeReading } from '../helpers/records.ts';

const reading = (value: number, offset: number): Reading => makeReading(value, offset, 't');
const a = reading(1, 0);
const b = reading(2, 1);
const c = reading(3, 2);
const d = reading(40, 3);

const detection = (r: Reading, state: State, score: number | null, fill: number): Detection =>
  makeDetection(r, 'test', state, score, fill);

/** Anomaly when the newest value is above 10; its score says what it saw. */
const label = (values: readonly number[]) => {
  const newest = values[values.length - 1] as number;
  return { anomaly: newest > 10, score: newest + values.length / 100 };
};

describe('detectWith', () => {
  it('initialises while the window fills, then labels the newest value of each window', marbles((m) => {
    const source = m.cold('-a--b--c--d--|', { a, b, c, d });
    const expected = /*  */ '-A--B--C--D--|';
    m.expect(source.pipe(warmUp(3), detectWith('test', label))).toBeObservable(expected, {
      A: detection(a, -2, null, 1 / 3),
      B: detection(b, -2, null, 2 / 3),
      C: detection(c, 1, 3.03, 1),
      D: detection(d, -1, 40.03, 1),
    });
  }));

  it('hands the label function the window values, oldest first', () => {
    const seen: number[][] = [];
    const spy = (values: readonly number[]) => {
      seen.push([...values]);
      return { anomaly: false, score: 0 };
    };
    marbles((m) => {
      const source = m.cold('abcd|', { a, b, c, d });
      m.expect(source.pipe(warmUp(2), detectWith('test', spy))).toBeObservable('ABCD|', {
        A: detection(a, -2, null, 1 / 2),
        B: detection(b, 1, 0, 1),
        C: detection(c, 1, 0, 1),
        D: detection(d, 1, 0, 1),
      });
    })();
    expect(seen).toEqual([[1, 2], [2, 3], [3, 40]]);
  });

  it('completes with the source, without a partial window', marbles((m) => {
    const source = m.cold('-a-b-|', { a, b });
    m.expect(source.pipe(warmUp(3), detectWith('test', label))).toBeObservable('-A-B-|', {
      A: detection(a, -2, null, 1 / 3),
      B: detection(b, -2, null, 2 / 3),
    });
  }));

  it('passes a source error on', marbles((m) => {
    const source = m.cold('-a-b-#', { a, b }, new Error('boom'));
    m.expect(source.pipe(warmUp(2), detectWith('test', label))).toBeObservable(
      '-A-B-#',
      { A: detection(a, -2, null, 1 / 2), B: detection(b, 1, 2.02, 1) },
      new Error('boom'),
    );
  }));

  it('turns an error thrown by the label function into an error notification', marbles((m) => {
    const source = m.cold('-a-b-c-|', { a, b, c });
    const failing = () => {
      throw new RangeError('bad window');
    };
    m.expect(source.pipe(warmUp(2), detectWith('test', failing))).toBeObservable(
      '-A-#',
      { A: detection(a, -2, null, 1 / 2) },
      new RangeError('bad window'),
    );
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-d-|', { a, b, c, d });
    const subs = /*    */ '^----!';
    const expected = /*  */ '-A-B--';
    m.expect(source.pipe(warmUp(2), detectWith('test', label)), subs).toBeObservable(expected, {
      A: detection(a, -2, null, 1 / 2),
      B: detection(b, 1, 2.02, 1),
    });
    m.expect(source).toHaveSubscriptions(subs);
  }));
});
