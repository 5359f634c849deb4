/**
 * Acknowledgements under marble time: an input is acknowledged only once its durable outputs are
 * written (here, sinks that take a few frames to write), and as soon as it is judged when it
 * yields nothing.
 */
import { Subject, concatMap, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { acknowledgedSensors } from '../../src/streams/acknowledgedSensors.ts';
import { acknowledgedTransactions } from '../../src/streams/acknowledgedTransactions.ts';
import type { DeadLetter, Detection, SourceRef, SuspiciousTransaction } from '../../src/types.ts';
import { marbles } from '../helpers/marbles.ts';

const ref = (offset: number): SourceRef => ({ source: 'topic', partition: 0, offset });

describe('acknowledgedSensors', () => {
  it('acknowledges a record when its detections or its dead letter are written', marbles((m) => {
    const acked = new Subject<number>();
    const record = (text: string, offset: number) => ({ line: { line: text, time: offset, ref: ref(offset) }, ack: () => acked.next(offset) });
    // a durable sink that takes 2 frames per item
    const slowSink = <T>(frames: string) => concatMap((item: T) => m.cold(`${frames}(w|)`, { w: { sink: 'db', items: [item] } }));
    const records = m.cold('-a-b-c-|', { a: record('h!1', 0), b: record('bad', 1), c: record('h!2', 2) });
    const options = { window: 2, dbscan: { eps: 1, minSamples: 1 } } as const;
    const written = acknowledgedSensors(records, { detections: slowSink('--'), deadLetters: slowSink('---') }, options);
    // a: 2 detections (dbscan, isolation forest) written at 3 and 5; b: its dead letter at 6; c: 7 and 9
    m.expect(written.pipe(map((w) => w.sink))).toBeObservable('---x-xxx-(x|)', { x: 'db' });
    m.expect(acked).toBeObservable('-----ab--c', { a: 0, b: 1, c: 2 });
  }));

  it('turns a detection the database refuses into a dead letter, and acknowledges its record once that is written', marbles((m) => {
    const acked = new Subject<number>();
    const line = { line: 'h!1', time: 4, ref: ref(0) };
    const records = m.cold('-a-|', { a: { line, ack: () => acked.next(0) } });
    // the table refuses dbscan's detection, takes the other; each write takes 1 frame
    const table = concatMap((d: Detection) =>
      m.cold('-(w|)', { w: d.detector === 'dbscan' ? { sink: 'postgres:d', items: [], refused: [{ item: d, reason: 'no (SQLSTATE 22003)' }] } : { sink: 'postgres:d', items: [d] } }));
    const deadLetters: DeadLetter[] = [];
    const deadSink = concatMap((d: DeadLetter) => (deadLetters.push(d), m.cold('--(w|)', { w: { sink: 'postgres:dead_letters', items: [d] } })));
    const written = acknowledgedSensors(records, { detections: table, deadLetters: deadSink }, { window: 2, dbscan: { eps: 1, minSamples: 1 } });
    m.expect(written.pipe(map((w) => w.sink))).toBeObservable('--xy(z|)', { x: 'postgres:d', y: 'postgres:d', z: 'postgres:dead_letters' });
    m.expect(acked).toBeObservable('----a', { a: 0 });
    m.flush();
    expect(deadLetters).toEqual([{ stage: 'postgres:d/dbscan', reason: 'no (SQLSTATE 22003)', raw: 'h!1', ref: ref(0), time: 4 }]);
  }));
});

describe('acknowledgedTransactions', () => {
  it('acknowledges at once what is not suspicious, the rest once written', marbles((m) => {
    const acked = new Subject<number>();
    const message = (raw: unknown, offset: number) => ({
      message: { raw: typeof raw === 'string' ? raw : JSON.stringify(raw), ref: ref(offset), time: 0 },
      ack: () => acked.next(offset),
    });
    const tx = (amount: number, second: number) =>
      ({ id: 1000, transaction_id: 10000, amount, currency: 'XAF', timestamp: `2026-11-22 10:00:0${second}` });
    const slowSink = <T>() => concatMap((item: T) => m.cold('---(w|)', { w: { sink: 'db', items: [item] } }));
    const messages = m.cold('-a-b-c-|', { a: message(tx(50_000, 0), 0), b: message(tx(500, 1), 1), c: message('{oops', 2) });
    // event time with no lateness: a is judged when b, a second later, arrives; b on completion
    const options = { allowedLatenessMs: 0, idleMs: 1_000, scheduler: m.scheduler };
    const written = acknowledgedTransactions(messages, { suspicious: [slowSink()], deadLetters: [slowSink()] }, options);
    // a (suspicious) written at 6; b (not suspicious) acknowledged as soon as judged, at 7; c (bad JSON) dead-lettered at 8
    m.expect(written.pipe(map((w) => w.sink))).toBeObservable('------x-(x|)', { x: 'db' });
    m.expect(acked).toBeObservable('------abc', { a: 0, b: 1, c: 2 });
  }));

  it('turns a row a durable sink refuses into a dead letter, and acknowledges its message once that is written', marbles((m) => {
    const acked = new Subject<number>();
    const raw = (amount: number, second: number) =>
      JSON.stringify({ id: 1000, transaction_id: 10000, amount, currency: 'XAF', timestamp: `2026-11-22 10:00:0${second}` });
    const messages = m.cold('-a-b-|', {
      a: { message: { raw: raw(50_000, 0), ref: ref(0), time: 7 }, ack: () => acked.next(0) },
      b: { message: { raw: raw(60_000, 1), ref: ref(1), time: 8 }, ack: () => acked.next(1) },
    });
    // the database takes b but refuses a, 2 frames after each arrives
    const table = concatMap((s: SuspiciousTransaction) =>
      m.cold('--(w|)', { w: s.ref.offset === 0 ? { sink: 'postgres:t', items: [], refused: [{ item: s, reason: 'out of range (SQLSTATE 22003)' }] } : { sink: 'postgres:t', items: [s] } }));
    const deadLetters: DeadLetter[] = [];
    const deadSink = concatMap((d: DeadLetter) => (deadLetters.push(d), m.cold('---(w|)', { w: { sink: 'postgres:dead_letters', items: [d] } })));
    const options = { allowedLatenessMs: 0, idleMs: 1_000, scheduler: m.scheduler };
    const written = acknowledgedTransactions(messages, { suspicious: [table], deadLetters: [deadSink] }, options);
    // a judged at 3 (when b arrives), refused at 5, its dead letter written at 8; b judged at 5, written at 7
    m.expect(written.pipe(map((w) => `${w.sink}:${w.items.length}`))).toBeObservable('-----x-y(z|)', { x: 'postgres:t:0', y: 'postgres:t:1', z: 'postgres:dead_letters:1' });
    m.expect(acked).toBeObservable('-------ba', { a: 0, b: 1 });
    m.flush();
    expect(deadLetters).toEqual([{ stage: 'postgres:t', reason: 'out of range (SQLSTATE 22003)', raw: raw(50_000, 0), ref: ref(0), time: 7 }]);
  }));
});
