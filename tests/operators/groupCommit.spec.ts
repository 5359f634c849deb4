import { map, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { groupCommit } from '../../src/operators/groupCommit.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

// A write that takes 4 frames and then reports what it wrote, joined: 'bc'.
const slowWrite = (items: string[]) => timer(4).pipe(map(() => items.join('')));
const commit = (size = 10) => groupCommit(slowWrite, { size, lingerMs: 2 });

describe('groupCommit', () => {
  it('lingers when idle, then gathers whatever arrives during a write into the next one', marbles((m) => {
    // a lingers 2 frames, written 3..7; b, c arrive meanwhile: written 7..11; d, e: 11..15;
    // f lingers alone, written 22..26, and the output completes with it.
    const source = m.cold('-a--b-c-d-e---------f---|');
    const expected = /*  */ '-------x---y---z----------(w|)';
    m.expect(source.pipe(commit())).toBeObservable(expected, { x: 'a', y: 'bc', z: 'de', w: 'f' });
  }));

  it('writes at once when a batch is full, and never more than size items a write', marbles((m) => {
    const source = m.cold('(abcde)---------|');
    // a full batch of 2 at once (0..4), then 2 more (4..8), then the last (8..12); the source
    // completes at 16 (a group of 5 takes 7 frames)
    m.expect(source.pipe(commit(2))).toBeObservable('----x---y---z---|', { x: 'ab', y: 'cd', z: 'e' });
  }));

  it('runs up to `concurrency` writes at once, each with what waited, and completes after the last', marbles((m) => {
    const two = groupCommit(slowWrite, { size: 10, lingerMs: 2, concurrency: 2 });
    // a lingers, written 3..7; b lingers too, since a second write may start, and c joins it just
    // before it starts: 6..10; d arrives while both run, written as soon as a's is done: 7..11;
    // the source completes at 9, the output with the last write
    const source = m.cold('-a--b-cd-|');
    m.expect(source.pipe(two)).toBeObservable('-------x--y(z|)', { x: 'a', y: 'bc', z: 'd' });
  }));

  it('writes what is left on completion, after the write in flight', marbles((m) => {
    const source = m.cold('-a-b|');
    // a lingers to 3; b arrives at 3 before the linger fires; completion at 4 waits for the write
    m.expect(source.pipe(commit())).toBeObservable('-------(x|)', { x: 'ab' });
  }));

  it('completes at once when nothing is left to write', marbles((m) => {
    m.expect(m.cold('---|').pipe(commit())).toBeObservable('---|');
  }));

  it("passes the source's error on, dropping what was not written", marbles((m) => {
    const source = m.cold('-a--b#', undefined, new Error('broker gone'));
    m.expect(source.pipe(commit())).toBeObservable('-----#', undefined, new Error('broker gone'));
  }));

  it("ends with a write's error", marbles((m) => {
    const failing = groupCommit((items: string[]) => (items.includes('b') ? throwError(() => new Error('disk full')) : slowWrite(items)), { size: 10, lingerMs: 2 });
    // a is written 3..7; b, arrived meanwhile, fails as soon as its write starts
    m.expect(m.cold('-a--b---|').pipe(failing)).toBeObservable('-------(x#)', { x: 'a' }, new Error('disk full'));
  }));

  it("ends with the error write throws synchronously when an item fills a batch, and stops the source", marbles((m) => {
    const throwing = groupCommit((items: string[]) => {
      if (items.includes('c')) throw new Error('bad row');
      return [items.join('')];
    }, { size: 1, lingerMs: 2 });
    const source = m.cold('-a-b-c-d-|');
    const subs = /*     */ '^----!';
    m.expect(source.pipe(throwing)).toBeObservable('-a-b-#', { a: 'a', b: 'b' }, new Error('bad row'));
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('ends with the error write throws synchronously after the linger, or on completion', marbles((m) => {
    const throwing = groupCommit((): string[] => {
      throw new Error('bad row');
    }, { size: 10, lingerMs: 2, scheduler: m.scheduler });
    m.expect(m.cold('-a-------|').pipe(throwing)).toBeObservable('---#', undefined, new Error('bad row'));
    m.expect(m.cold('-(a|)').pipe(throwing)).toBeObservable('-#', undefined, new Error('bad row'));
  }));

  it('stops the source and the write in flight when unsubscribed', marbles((m) => {
    const source = m.hot('-a--b-c-d--|');
    const subs = /*    */ '^--------!';
    m.expect(source.pipe(commit()), subs).toBeObservable('-------x--', { x: 'a' });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops a synchronous source as soon as the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(groupCommit((items: number[]) => [items], { size: 3, lingerMs: 5 }), (i) => i, 2);
    // a synchronous write: each full batch is written and reported at once
    expect(outputs).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(produced).toBe(6);
  });

  it('refuses a size or linger it cannot use', () => {
    expect(() => groupCommit(slowWrite, { size: 0, lingerMs: 1 })).toThrow(/size must be an integer >= 1, got 0/);
    expect(() => groupCommit(slowWrite, { size: 1, lingerMs: -1 })).toThrow(/lingerMs must be >= 0, got -1/);
    expect(() => groupCommit(slowWrite, { size: 1, lingerMs: 1, concurrency: 0 })).toThrow(/concurrency must be an integer >= 1, got 0/);
  });
});
