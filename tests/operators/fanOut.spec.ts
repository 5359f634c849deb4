import { type Observable, concatMap as import_concatMap, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fanOut } from '../../src/operators/fanOut.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

const suffix = (s: string) => map((x: string) => x + s);

describe('fanOut', () => {
  it('sends every item through each branch, through one subscription', marbles((m) => {
    const source = m.cold('-a---b---|');
    const subs = /*     */ '^--------!';
    m.expect(source.pipe(fanOut(suffix('1'), suffix('2')))).toBeObservable('-(xy)(zw)|', { x: 'a1', y: 'a2', z: 'b1', w: 'b2' });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('completes only when every branch has', marbles((m) => {
    const slow = (x: string) => m.cold('---(v|)', { v: x });
    const source = m.cold('-a-|');
    const delayed = (s$: Observable<string>) => s$.pipe(import_concatMap(slow));
    m.expect(source.pipe(fanOut(suffix('1'), delayed))).toBeObservable('-x--(a|)', { x: 'a1', a: 'a' });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-a-----#').pipe(fanOut(suffix('1'), suffix('2')))).toBeObservable('-(xy)--#', { x: 'a1', y: 'a2' });
  }));

  it('ends with the error a branch throws, and leaves the source', marbles((m) => {
    const source = m.cold('-a---b---|');
    const subs = /*     */ '^----!';
    const failing = map((x: string) => {
      if (x === 'b') throw new Error('sink refused');
      return x + '2';
    });
    m.expect(source.pipe(fanOut(suffix('1'), failing))).toBeObservable('-(xy)(z#)', { x: 'a1', y: 'a2', z: 'b1' }, new Error('sink refused'));
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('with no branch, consumes the source and completes with it', marbles((m) => {
    const source = m.cold('-a-b-|');
    const subs = /*     */ '^----!';
    m.expect(source.pipe(fanOut())).toBeObservable('-----|');
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-a-a-|');
    const subs = /*    */ '^--!';
    m.expect(source.pipe(fanOut(suffix('1'))), subs).toBeObservable('-x--', { x: 'a1' });
    m.expect(source).toHaveSubscriptions(subs);
  }));
});

describe('fanOut, synchronously', () => {
  it('stops a synchronous source as soon as the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(fanOut(map((i: number) => i * 10), map((i: number) => -i)), (i) => i, 4);
    expect(outputs).toEqual([0, -0, 10, -1]);
    expect(produced).toBe(2);
  });
});
