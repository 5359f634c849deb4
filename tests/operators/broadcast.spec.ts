import { type Observable, map, merge, take, zip } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { broadcast } from '../../src/operators/broadcast.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

const both = broadcast((s: Observable<string>) => merge(s.pipe(map((x) => x + '1')), s.pipe(map((x) => x + '2'))));

describe('broadcast', () => {
  it('builds the output on one shared subscription to the source', marbles((m) => {
    const source = m.cold('-a---b---|');
    const subs = /*     */ '^--------!';
    m.expect(source.pipe(both)).toBeObservable('-(xy)(zw)|', { x: 'a1', y: 'a2', z: 'b1', w: 'b2' });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it("ends, and leaves the source, when the selector's Observable completes", marbles((m) => {
    const source = m.cold('-a--b--c--|');
    const subs = /*     */ '^---!';
    m.expect(source.pipe(broadcast((s) => s.pipe(take(2))))).toBeObservable('-a--(b|)');
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it("passes the source's error through the selector's Observable", marbles((m) => {
    m.expect(m.cold('-a---#').pipe(both)).toBeObservable('-(xy)#', { x: 'a1', y: 'a2' });
  }));

  it('ends with the error a branch throws, and leaves the source', marbles((m) => {
    const source = m.cold('-a--b--|');
    const subs = /*     */ '^---!';
    const failing = broadcast((s: Observable<string>) => s.pipe(map((x) => {
      if (x === 'b') throw new Error('branch broke');
      return x;
    })));
    m.expect(source.pipe(failing)).toBeObservable('-a--#', undefined, new Error('branch broke'));
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a--b--c--|');
    const subs = /*    */ '^---!';
    m.expect(source.pipe(both), subs).toBeObservable('-(xy)', { x: 'a1', y: 'a2' });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops a synchronous source as soon as the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(broadcast((s: Observable<number>) => zip(s, s.pipe(map((i) => -i)))), (i) => i, 2);
    expect(outputs).toEqual([[0, -0], [1, -1]]);
    expect(produced).toBe(2);
  });
});
