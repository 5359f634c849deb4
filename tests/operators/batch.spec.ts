import { Observable, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch } from '../../src/operators/batch.ts';
import { marbles } from '../helpers/marbles.ts';

describe('batch', () => {
  it('closes a batch on size, on linger and on completion', marbles((m) => {
    const source = m.cold('-a-b-c-d--------e-|');
    const expected = /*  */ '-----x-----y------(z|)';
    m.expect(source.pipe(batch({ size: 3, lingerMs: 4, scheduler: m.scheduler }))).toBeObservable(expected, {
      x: ['a', 'b', 'c'],
      y: ['d'],
      z: ['e'],
    });
  }));

  it('starts the linger with the first item of a batch, never emits an empty one', marbles((m) => {
    const source = m.cold('----------a-----|');
    const expected = /*  */ '-------------x--|';
    m.expect(source.pipe(batch({ size: 10, lingerMs: 3, scheduler: m.scheduler }))).toBeObservable(expected, {
      x: ['a'],
    });
  }));

  it('completes without emitting when the source was empty', marbles((m) => {
    m.expect(m.cold('---|').pipe(batch({ size: 2, lingerMs: 1, scheduler: m.scheduler }))).toBeObservable('---|');
  }));

  it('passes an error on and drops the pending batch', marbles((m) => {
    const source = m.cold('-a-b-#');
    const expected = /*  */ '---x-#';
    m.expect(source.pipe(batch({ size: 2, lingerMs: 10, scheduler: m.scheduler }))).toBeObservable(expected, {
      x: ['a', 'b'],
    });
  }));

  it('stops its timer and the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-d-e-|');
    const subs = /*    */ '^------!';
    const expected = /*  */ '---x---';
    m.expect(source.pipe(batch({ size: 2, lingerMs: 5, scheduler: m.scheduler })), subs).toBeObservable(expected, {
      x: ['a', 'b'],
    });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops a synchronous source as soon as the consumer has enough', () => {
    let produced = 0;
    const infinite = new Observable<number>((subscriber) => {
      for (let i = 0; !subscriber.closed; i++) {
        produced++;
        subscriber.next(i);
      }
    });
    const seen: number[][] = [];
    infinite.pipe(batch({ size: 2, lingerMs: 10 }), take(2)).subscribe((b) => seen.push(b));
    expect(seen).toEqual([[0, 1], [2, 3]]);
    expect(produced).toBe(4);
  });

  it('rejects a size below 1', () => {
    expect(() => batch({ size: 0, lingerMs: 1 })).toThrow(/size must be an integer >= 1, got 0/);
  });
});
