import { Observable, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { warmUp } from '../../src/operators/warmUp.ts';
import { marbles } from '../helpers/marbles.ts';

describe('warmUp', () => {
  it('reports the fill ratio while filling, then emits each window oldest first', marbles((m) => {
    const source = m.cold('-a--b--c--d--e--|');
    const expected = /*  */ '-A--B--C--D--E--|';
    m.expect(source.pipe(warmUp(3))).toBeObservable(expected, {
      A: { kind: 'filling', item: 'a', fill: 1 / 3 },
      B: { kind: 'filling', item: 'b', fill: 2 / 3 },
      C: { kind: 'window', item: 'c', window: ['a', 'b', 'c'] },
      D: { kind: 'window', item: 'd', window: ['b', 'c', 'd'] },
      E: { kind: 'window', item: 'e', window: ['c', 'd', 'e'] },
    });
  }));

  it('emits a window for every item with size 1', marbles((m) => {
    m.expect(m.cold('ab|').pipe(warmUp(1))).toBeObservable('AB|', {
      A: { kind: 'window', item: 'a', window: ['a'] },
      B: { kind: 'window', item: 'b', window: ['b'] },
    });
  }));

  it('emits no partial window on completion', marbles((m) => {
    const source = m.cold('-a--b--|');
    const expected = /*  */ '-A--B--|';
    m.expect(source.pipe(warmUp(3))).toBeObservable(expected, {
      A: { kind: 'filling', item: 'a', fill: 1 / 3 },
      B: { kind: 'filling', item: 'b', fill: 2 / 3 },
    });
  }));

  it('completes without emitting when the source was empty', marbles((m) => {
    m.expect(m.cold('---|').pipe(warmUp(3))).toBeObservable('---|');
  }));

  it('passes an error on', marbles((m) => {
    const source = m.cold('-a--b--#', undefined, new Error('boom'));
    const expected = /*  */ '-A--B--#';
    m.expect(source.pipe(warmUp(2))).toBeObservable(
      expected,
      {
        A: { kind: 'filling', item: 'a', fill: 1 / 2 },
        B: { kind: 'window', item: 'b', window: ['a', 'b'] },
      },
      new Error('boom'),
    );
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a--b--c--d--|');
    const subs = /*    */ '^-----!';
    const expected = /*  */ '-A--B--';
    m.expect(source.pipe(warmUp(2)), subs).toBeObservable(expected, {
      A: { kind: 'filling', item: 'a', fill: 1 / 2 },
      B: { kind: 'window', item: 'b', window: ['a', 'b'] },
    });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('gives each window its own array, which later items do not change', () => {
    const windows: (readonly number[])[] = [];
    new Observable<number>((s) => {
      for (let i = 0; i < 5; i++) s.next(i);
      s.complete();
    })
      .pipe(warmUp(2))
      .subscribe((e) => {
        if (e.kind === 'window') windows.push(e.window);
      });
    expect(windows).toEqual([[0, 1], [1, 2], [2, 3], [3, 4]]);
  });

  it('stops a synchronous infinite source as soon as the consumer has enough', () => {
    let produced = 0;
    const infinite = new Observable<number>((subscriber) => {
      for (let i = 0; !subscriber.closed; i++) {
        produced++;
        subscriber.next(i);
      }
    });
    const seen: unknown[] = [];
    infinite.pipe(warmUp(3), take(4)).subscribe((e) => seen.push(e));
    expect(seen).toEqual([
      { kind: 'filling', item: 0, fill: 1 / 3 },
      { kind: 'filling', item: 1, fill: 2 / 3 },
      { kind: 'window', item: 2, window: [0, 1, 2] },
      { kind: 'window', item: 3, window: [1, 2, 3] },
    ]);
    expect(produced).toBe(4);
  });

  it('rejects a size that is not an integer >= 1', () => {
    expect(() => warmUp(0)).toThrow(RangeError);
    expect(() => warmUp(0)).toThrow(/size must be an integer >= 1, got 0/);
    expect(() => warmUp(2.5)).toThrow(/got 2.5/);
  });
});
