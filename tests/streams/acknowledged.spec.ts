/**
 * Acknowledgements under marble time: an input is acknowledged only once its durable outputs are
 * written (here, sinks that take a few frames to write), and as soon as it is judged when it
 * yields nothing.
 */
import { type Observable, Subject, concatMap, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type AcknowledgeableLine, acknowledgedSensors } from '../../src/streams/acknowledgedSensors.ts';
import { type AcknowledgeableMessage, acknowledgedTransactions } from '../../src/streams/acknowledgedTransactions.ts';
import type { SourceRef } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
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
});

describe('acknowledgedTransactions with no durable sink of a kind', () => {
  it('acknowledges every message, suspicious, not suspicious or dead-lettered', marbles((m) => {
    const acked = new Subject<number>();
    const message = (raw: unknown, offset: number) => ({
      message: { raw: typeof raw === 'string' ? raw : JSON.stringify(raw), ref: ref(offset), time: 0 },
      ack: () => acked.next(offset),
    });
    const tx = (amount: number, second: number) =>
      ({ id: 1000, transaction_id: 10000, amount, currency: 'XAF', timestamp: `2026-11-22 10:00:0${second}` });
    const messages = m.cold('-a-b-c-|', { a: message(tx(50_000, 0), 0), b: message(tx(500, 1), 1), c: message('{oops', 2) });
    const options = { allowedLatenessMs: 0, idleMs: 1_000, scheduler: m.scheduler };
    const written = acknowledgedTransactions(messages, { suspicious: [], deadLetters: [] }, options);
    // a is judged when b arrives (3), c is dead-lettered at once (5), b is judged on completion (7)
    m.expect(written).toBeObservable('-------|');
    m.expect(acked).toBeObservable('---a-c-b', { a: 0, b: 1, c: 2 });
  }));
});

describe('the acknowledged flows, synchronously', () => {
  const written = <T>(sink: string) => map((item: T) => ({ sink, items: [item] }));

  it('acknowledgedTransactions stops a synchronous source as soon as the consumer has enough', () => {
    const message = (i: number): AcknowledgeableMessage => ({ message: { raw: '{oops', ref: ref(i), time: 0 }, ack: () => {} });
    const flow = (messages$: Observable<AcknowledgeableMessage>) =>
      acknowledgedTransactions(messages$, { suspicious: [written('db')], deadLetters: [written('db')] });
    const { outputs, produced } = takeFromEndlessSource(flow, message, 3);
    expect(outputs).toHaveLength(3);
    expect(produced).toBe(3);
  });

  it('acknowledgedSensors stops a synchronous source as soon as the consumer has enough', () => {
    const record = (i: number): AcknowledgeableLine => ({ line: { line: 'oops', time: i, ref: ref(i) }, ack: () => {} });
    const flow = (records$: Observable<AcknowledgeableLine>) => acknowledgedSensors(records$, { detections: written('db'), deadLetters: written('db') });
    const { outputs, produced } = takeFromEndlessSource(flow, record, 3);
    expect(outputs).toHaveLength(3);
    expect(produced).toBe(3);
  });
});
