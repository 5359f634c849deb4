import { concatMap, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { deadLetterRefused } from '../../src/streams/deadLetterRefused.ts';
import type { DeadLetter, Refused, SourceRef, Written } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

interface Row { readonly ref: SourceRef }
const row = (offset: number): Row => ({ ref: { source: 't', partition: 0, offset } });
const a = row(0);
const b = row(1);
const x: Written<Row> = { sink: 'postgres:t', items: [a] };
const y: Written<Row> = { sink: 'postgres:t', items: [], refused: [{ item: b, reason: 'out of range (SQLSTATE 22003)' }] };
const toDead = ({ item, reason }: Refused<Row>, sink: string): DeadLetter => ({ stage: sink, reason, raw: `row ${item.ref.offset}`, ref: item.ref, time: 0 });
const deadOfB = toDead(y.refused![0]!, 'postgres:t');

describe('deadLetterRefused', () => {
  it('passes the reports on and writes a dead letter for each refused item', marbles((m) => {
    // a dead-letter sink taking 2 frames a write
    const deadSink = concatMap((d: DeadLetter) => m.cold('--(w|)', { w: { sink: 'postgres:dead_letters', items: [d] } }));
    const source = m.cold('-x----y----|', { x, y });
    const subs = /*     */ '^----------!';
    m.expect(source.pipe(deadLetterRefused(deadSink, toDead))).toBeObservable('-x----y-z--|', { x, y, z: { sink: 'postgres:dead_letters', items: [deadOfB] } });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('completes once the last dead letter is written', marbles((m) => {
    const deadSink = concatMap((d: DeadLetter) => m.cold('---(w|)', { w: { sink: 'dl', items: [d] } }));
    m.expect(m.cold('-y|', { y }).pipe(deadLetterRefused(deadSink, toDead))).toBeObservable('-y--(z|)', { y, z: { sink: 'dl', items: [deadOfB] } });
  }));

  it('passes an error on, from the reports or from the dead-letter sink', marbles((m) => {
    m.expect(m.cold('-x--#', { x }).pipe(deadLetterRefused(map((d: DeadLetter) => ({ sink: 'dl', items: [d] })), toDead))).toBeObservable('-x--#', { x });
    const failing = concatMap(() => m.cold('-#'));
    m.expect(m.cold('-y---x|', { x, y }).pipe(deadLetterRefused(failing, toDead))).toBeObservable('-y#', { y });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-x-x-x-|', { x });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(deadLetterRefused(map((d: DeadLetter) => ({ sink: 'dl', items: [d] })), toDead)), subs).toBeObservable('-x--', { x });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops an endless synchronous source', () => {
    const { outputs, produced } = takeFromEndlessSource(deadLetterRefused(map((d: DeadLetter) => ({ sink: 'dl', items: [d] })), toDead), () => y, 4);
    expect(outputs).toHaveLength(4);
    expect(produced).toBe(2);
  });

  it('reaches the subscriber\'s error when building a dead letter throws', marbles((m) => {
    const throwing = (): DeadLetter => { throw new Error('bad'); };
    m.expect(m.cold('-y-|', { y }).pipe(deadLetterRefused(map((d: DeadLetter) => ({ sink: 'dl', items: [d] })), throwing))).toBeObservable('-#', undefined, new Error('bad'));
  }));
});
