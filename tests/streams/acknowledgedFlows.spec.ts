/**
 * Acknowledgements under marble time: an input is acknowledged only once its durable outputs are
 * written (here, sinks that take a few frames to write), and as soon as it is judged when it
 * yields nothing; whatever the sinks (none of a kind), whatever the message (a class whose ack uses
 * `this`); a row a sink refuses becomes a dead letter that holds its input in turn.
 */
import { type Observable, Subject, concatMap, delay, map, mergeMap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type AcknowledgeableRecord, acknowledgedSensors } from '../../src/streams/acknowledgedSensors.ts';
import { type AcknowledgeableMessage, acknowledgedTransactions } from '../../src/streams/acknowledgedTransactions.ts';
import type { TransactionMessage } from '../../src/operators/parseTransaction.ts';
import { VigieError } from '../../src/errors.ts';
import { Acknowledgements, REFUSED_BY_SINK } from '../../src/streams/acknowledgements.ts';
import type { DeadLetter, SourceRef, SuspiciousTransaction } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

const ref = (offset: number): SourceRef => ({ source: 'topic', partition: 0, offset });

/** A sensor record of `topic`, partition 0, as Kafka hands it over: the value is the reading. */
const sensorRecord = (value: string, offset: number, ack: () => void): AcknowledgeableRecord =>
  ({ topic: 'topic', key: null, value: Buffer.from(value), timestamp: offset, ref: ref(offset), ack });

/** A record whose `ack` is a method using `this`, as a class-based source hands them over. */
class ClassRecord implements AcknowledgeableRecord {
  readonly topic = 'topic';
  readonly key = null;
  readonly value: Buffer;
  readonly timestamp: number;
  readonly ref: SourceRef;
  constructor(value: string, offset: number, private readonly acked: Subject<number>) {
    this.value = Buffer.from(value);
    this.timestamp = offset;
    this.ref = ref(offset);
  }
  ack(): void {
    this.acked.next(this.ref.offset);
  }
}

describe('acknowledgedSensors', () => {
  for (const asClass of [false, true]) {
    it(`acknowledges a record when its detections or its dead letter are written (records as ${asClass ? 'class instances' : 'plain objects'})`, marbles((m) => {
      const acked = new Subject<number>();
      const record = (value: string, offset: number): AcknowledgeableRecord =>
        asClass ? new ClassRecord(value, offset, acked) : sensorRecord(value, offset, () => acked.next(offset));
      // a durable sink that takes 2 frames per item
      const slowSink = <T>(frames: string) => concatMap((item: T) => m.cold(`${frames}(w|)`, { w: { sink: 'db', items: [item] } }));
      const records = m.cold('-a-b-c-|', { a: record('1', 0), b: record('bad', 1), c: record('2', 2) });
      const options = { window: 2, dbscan: { eps: 1, minSamples: 1 } } as const;
      const written = acknowledgedSensors(records, { detections: slowSink('--'), deadLetters: slowSink('---') }, options);
      // a: 2 detections (dbscan, isolation forest) written at 3 and 5; b: its dead letter at 6; c: 7 and 9
      m.expect(written.pipe(map((w) => w.sink))).toBeObservable('---x-xxx-(x|)', { x: 'db' });
      m.expect(acked).toBeObservable('-----ab--c', { a: 0, b: 1, c: 2 });
    }));
  }
});

describe('acknowledgedSensors and refusals', () => {
  const refuse = <T>(sink: string, reason: string) => map((item: T) => ({ sink, items: [], refused: [{ item, reason }] }));
  const writeAll = <T>(sink: string) => map((item: T) => ({ sink, items: [item] }));

  it('turns a detection the database refuses into a dead letter, and acknowledges its record once that is written', marbles((m) => {
    const acked = new Subject<number>();
    const records = m.cold('-a-|', { a: sensorRecord('1', 0, () => acked.next(0)) });
    const deadLetters: DeadLetter[] = [];
    const deadSink = concatMap((item: DeadLetter) => (deadLetters.push(item), m.cold('--(w|)', { w: { sink: 'dead', items: [item] } })));
    const options = { window: 1, dbscan: { eps: 1, minSamples: 1 }, isolationForest: false } as const;
    const written = acknowledgedSensors(records, { detections: refuse('db', 'value out of range'), deadLetters: deadSink }, options);
    m.expect(written.pipe(map((w) => w.sink))).toBeObservable('-x-(y|)', { x: 'db', y: 'dead' });
    m.expect(acked).toBeObservable('---a', { a: 0 });
    m.flush();
    expect(deadLetters).toEqual([expect.objectContaining({ stage: REFUSED_BY_SINK, reason: 'db: value out of range', ref: ref(0) })]);
  }));

  it('ends with an error saying where when a dead letter itself is refused, rather than acknowledge it unwritten', marbles((m) => {
    const acked = new Subject<number>();
    const records = m.cold('-a-|', { a: sensorRecord('oops', 7, () => acked.next(7)) });
    const written = acknowledgedSensors(records, { detections: writeAll('db'), deadLetters: refuse('dead', 'NUL byte') });
    m.expect(written).toBeObservable('-#', undefined, new VigieError('SINK_WRITE_FAILED', 'dead refused a row and the flow has nowhere to put it: NUL byte (source=topic partition=0 offset=7)'));
    m.expect(acked).toBeObservable('');
  }));
});

const tx = (amount: number, second: number) =>
  JSON.stringify({ id: 1000, transaction_id: 10000, amount, currency: 'XAF', timestamp: `2026-11-22 10:00:0${second}` });

/** A message whose `ack` is a method using `this`, as a class-based source hands them over. */
class ClassMessage implements AcknowledgeableMessage {
  readonly message: TransactionMessage;
  constructor(raw: string, offset: number, private readonly acked: Subject<number>) {
    this.message = { raw, ref: ref(offset), time: 0 };
  }
  ack(): void {
    this.acked.next(this.message.ref.offset);
  }
}

/** a: suspicious (the amount), b: not suspicious, a second later, c: not JSON; each acknowledged to `acked`. */
const threeMessages = (acked: Subject<number>, asClass = false): Record<'a' | 'b' | 'c', AcknowledgeableMessage> => {
  const make = (raw: string, offset: number) => (asClass ? new ClassMessage(raw, offset, acked) : { message: { raw, ref: ref(offset), time: 0 }, ack: () => acked.next(offset) });
  return { a: make(tx(50_000, 0), 0), b: make(tx(500, 1), 1), c: make('{oops', 2) };
};

describe('acknowledgedTransactions', () => {
  const slowSink = (m: Parameters<Parameters<typeof marbles>[0]>[0]) => <T>() => concatMap((item: T) => m.cold('---(w|)', { w: { sink: 'db', items: [item] } }));

  for (const asClass of [false, true]) {
    it(`acknowledges at once what is not suspicious, the rest once written (messages as ${asClass ? 'class instances' : 'plain objects'})`, marbles((m) => {
      const acked = new Subject<number>();
      const messages = m.cold('-a-b-c-|', threeMessages(acked, asClass));
      const written = acknowledgedTransactions(messages, { suspicious: [slowSink(m)()], deadLetters: [slowSink(m)()] });
      // each decided on arrival: a (suspicious) written at 4; b (not suspicious) acknowledged at
      // once, at 3; c (bad JSON) dead-lettered at 8
      m.expect(written.pipe(map((w) => w.sink))).toBeObservable('----x---(x|)', { x: 'db' });
      m.expect(acked).toBeObservable('---ba---c', { a: 0, b: 1, c: 2 });
    }));
  }

  it('turns a row a durable sink refuses into a dead letter, and acknowledges its message once that is written', marbles((m) => {
    const acked = new Subject<number>();
    const messages = m.cold('-a-b-|', threeMessages(acked));
    // refuses every row, as PostgreSQL refuses an integer out of range, after 1 frame
    const refusing = concatMap((item: SuspiciousTransaction) => m.cold('-(w|)', { w: { sink: 'db', items: [], refused: [{ item, reason: 'integer out of range' }] } }));
    const deadLetters: DeadLetter[] = [];
    const deadSink = concatMap((item: DeadLetter) => (deadLetters.push(item), m.cold('---(w|)', { w: { sink: 'dlq', items: [item] } })));
    const written = acknowledgedTransactions(messages, { suspicious: [refusing], deadLetters: [deadSink] });
    // a judged at 1, refused at 2, its dead letter written at 5; b (not suspicious) acknowledged at 3
    m.expect(written.pipe(map((w) => w.sink))).toBeObservable('--x--(y|)', { x: 'db', y: 'dlq' });
    m.expect(acked).toBeObservable('---b-a', { a: 0, b: 1 });
    m.flush();
    // with the message as it came, not the row
    const { message } = threeMessages(acked).a;
    expect(deadLetters).toEqual([{ stage: REFUSED_BY_SINK, reason: 'db: integer out of range', raw: message.raw, ref: ref(0), time: message.time }]);
  }));

  /*
   * A revision is derived from the message that caused it (its `cause`), not from the record it
   * revises, which was acknowledged long before. Its dead letter was held under the row's own
   * ref, so the causing message was acknowledged, and its offset committed, before that dead
   * letter was written: a crash then lost it.
   */
  it('holds the message that caused a refused revision until the revision\'s dead letter is written', marbles((m) => {
    const acked = new Subject<number>();
    // one account: a, b a second later (two in the window: suspicious), then c, late, between
    // them: c is suspicious, and b is revised (three in its window), caused by c
    const message = (raw: string, offset: number): AcknowledgeableMessage => ({ message: { raw, ref: ref(offset), time: 0 }, ack: () => acked.next(offset) });
    const messages = m.cold('-a-b-c-|', { a: message(tx(500, 0), 0), b: message(tx(500, 2), 1), c: message(tx(500, 1), 2) });
    // writes every row at once but refuses revisions, as PostgreSQL refuses a score out of range
    const refusingRevisions = map((item: SuspiciousTransaction) =>
      item.revision === undefined ? { sink: 'db', items: [item] } : { sink: 'db', items: [], refused: [{ item, reason: 'out of range' }] });
    const deadLetters: DeadLetter[] = [];
    const deadSink = concatMap((item: DeadLetter) => (deadLetters.push(item), m.cold('---(w|)', { w: { sink: 'dlq', items: [item] } })));
    const options = { rules: ['frequency'], frequency: { max: 1 } } as const;
    acknowledgedTransactions(messages, { suspicious: [refusingRevisions], deadLetters: [deadSink] }, options).subscribe();
    // a, b acknowledged as they come; c once b's revision's dead letter is written, at 8
    m.expect(acked).toBeObservable('-a-b----c', { a: 0, b: 1, c: 2 });
    m.flush();
    // the dead letter keeps the row's own coordinates (the row as JSON), and names its cause
    expect(deadLetters).toHaveLength(1);
    const [dead] = deadLetters;
    expect(dead).toEqual(expect.objectContaining({ stage: `${REFUSED_BY_SINK} revision 1`, reason: 'db: out of range', ref: ref(1), cause: ref(2) }));
    expect(JSON.parse(dead!.raw)).toEqual(expect.objectContaining({ ref: ref(1), revision: 1, cause: ref(2) }));
  }));

  it('acknowledges every message when it has no durable sink of a kind', marbles((m) => {
    const acked = new Subject<number>();
    const messages = m.cold('-a-b-c-|', threeMessages(acked));
    const written = acknowledgedTransactions(messages, { suspicious: [], deadLetters: [] });
    // each as it arrives
    m.expect(written).toBeObservable('-------|');
    m.expect(acked).toBeObservable('-a-b-c', { a: 0, b: 1, c: 2 });
  }));
});

/*
 * The seam holds an input only while the flow runs synchronously from `acks.inputs` to
 * `acks.durable`. An asynchronous operator between them let the input go first: it was
 * acknowledged, its offset committed past rows not yet written, and the row silently opened a
 * fresh entry that acknowledged nothing. A wrong composition must fail its tests instead.
 */
describe('Acknowledgements, composed wrongly', () => {
  const input = (offset: number) => ({ ref: ref(offset) });
  const writeAll = map((item: { ref: SourceRef }) => ({ sink: 'db', items: [item] }));

  it('ends the flow with an error naming it and the input when a row enters durable after its input was acknowledged', marbles((m) => {
    const acks = new Acknowledgements('delayed flow');
    const acked = new Subject<number>();
    const inputs = m.cold('-a-b-|', { a: input(0), b: input(1) });
    const written = inputs.pipe(acks.inputs((i) => i.ref, (i) => acked.next(i.ref.offset)), delay(2, m.scheduler), acks.durable([writeAll]));
    m.expect(written).toBeObservable('---#', undefined, new VigieError(
      'ACKNOWLEDGED_TWICE',
      'delayed flow: a row entered its durable sinks after its input was acknowledged (an asynchronous operator between acks.inputs and acks.durable?) (flow=delayed flow source=topic partition=0 offset=0)',
    ));
  }));

  it('ends the flow with an error when a sink reports a row written twice, rather than acknowledge its input twice', marbles((m) => {
    const acks = new Acknowledgements('twice');
    const acked = new Subject<number>();
    const inputs = m.cold('-a-|', { a: input(5) });
    // reports the row written at 2, and again at 4
    const twice = mergeMap((item: { ref: SourceRef }) => m.cold('-w-w|', { w: { sink: 'db', items: [item] } }));
    const written = inputs.pipe(acks.inputs((i) => i.ref, (i) => acked.next(i.ref.offset)), acks.durable([twice]));
    m.expect(written).toBeObservable('--w-#', { w: { sink: 'db', items: [input(5)] } }, new VigieError(
      'ACKNOWLEDGED_TWICE',
      'twice: an input was acknowledged twice (a sink reported a row written more than once?) (flow=twice source=topic partition=0 offset=5)',
    ));
    m.expect(acked).toBeObservable('--a', { a: 5 });
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
    const record = (i: number): AcknowledgeableRecord => sensorRecord('oops', i, () => {});
    const flow = (records$: Observable<AcknowledgeableRecord>) => acknowledgedSensors(records$, { detections: written('db'), deadLetters: written('db') });
    const { outputs, produced } = takeFromEndlessSource(flow, record, 3);
    expect(outputs).toHaveLength(3);
    expect(produced).toBe(3);
  });
});
