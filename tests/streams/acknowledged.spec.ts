/**
 * acknowledged() under marble time: each input is acknowledged once every durable sink has
 * written what the flow derived from it, and not before; a row a durable sink refuses becomes a
 * dead letter that holds the input in its turn (a revision's, its cause); the seam's misuses end
 * the flow with an error saying where. The flows built on it are in acknowledgedFlows.spec.ts.
 */
import { type Observable, Subject, concatMap, delay, map, mergeMap, of, pipe } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { VigieError } from '../../src/errors.ts';
import { type Routed, acknowledged, routeTo } from '../../src/streams/acknowledged.ts';
import { REFUSED_BY_SINK } from '../../src/streams/acknowledgements.ts';
import type { DeadLetter, SourceRef } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

type M = Parameters<Parameters<typeof marbles>[0]>[0];
const ref = (offset: number): SourceRef => ({ source: 'topic', partition: 0, offset });

/** An input as Kafka hands it over: where it came from, its value, and a way to say it is done. */
interface Input { readonly ref: SourceRef; readonly value: string; ack(): void }
/** A row derived from an input: its ref, unless it revises an earlier one (then its cause). */
interface Row { readonly ref: SourceRef; readonly value: string; readonly cause?: SourceRef; readonly revision?: number }
interface Outputs { readonly rows: Row; readonly deadLetters: DeadLetter }

const inputs = (acked: Subject<number>, values: Record<string, string>): Record<string, Input> =>
  Object.fromEntries(Object.entries(values).map(([name, value], offset) => [name, { ref: ref(offset), value, ack: () => acked.next(offset) }]));

/** A row per input, except 'bad' (a dead letter): the flow of the diagram in acknowledged.ts. */
const rowsOrDeadLetters = (inputs$: Observable<Input>): Observable<Routed<Outputs>> =>
  inputs$.pipe(map(({ ref, value }): Routed<Outputs> =>
    value === 'bad' ? { to: 'deadLetters', item: { stage: 'parse', reason: 'not a number', raw: value, ref, time: 0 } } : { to: 'rows', item: { ref, value } }));

/** A durable sink taking `frames` per write, refusing the rows whose value is 'refused'. */
const sink = <T extends object>(m: M, name: string, frames: string) =>
  concatMap((item: T) => m.cold(`${frames}(w|)`, { w: (item as { value?: string }).value === 'refused' ? { sink: name, items: [], refused: [{ item, reason: 'out of range' }] } : { sink: name, items: [item] } }));

const writeAll = <T>(name: string) => map((item: T) => ({ sink: name, items: [item] }));

describe('acknowledged', () => {
  it('acknowledges each input once its rows, or its dead letter, are written: the diagram in acknowledged.ts', marbles((m) => {
    const acked = new Subject<number>();
    const source = m.cold('-a----b----c----|', inputs(acked, { a: '1', b: 'bad', c: 'refused' }));
    const subs = /*     */ '^---------------!';
    const deadLetters: DeadLetter[] = [];
    const deadSink = pipe((d$: Observable<DeadLetter>) => d$.pipe(map((d) => (deadLetters.push(d), d))), sink<DeadLetter>(m, 'dead', '--'));
    const written = acknowledged(source, rowsOrDeadLetters, { durable: { rows: [sink<Row>(m, 'rows', '-')], deadLetters: [deadSink] } });
    m.expect(written.pipe(map((w) => (w.refused ? 'z' : w.sink === 'rows' ? 'x' : 'y')))).toBeObservable('--x-----y---z-y-|');
    m.expect(acked).toBeObservable('--a-----b-----c', { a: 0, b: 1, c: 2 });
    m.expect(source).toHaveSubscriptions(subs);
    m.flush();
    expect(deadLetters[1]).toEqual(expect.objectContaining({ stage: REFUSED_BY_SINK, reason: 'rows: out of range', raw: JSON.stringify({ ref: ref(2), value: 'refused' }), ref: ref(2) }));
  }));

  it('completes once the last dead letter of a refused row is written', marbles((m) => {
    const acked = new Subject<number>();
    const source = m.cold('-c|', inputs(acked, { c: 'refused' }));
    const written = acknowledged(source, rowsOrDeadLetters, { durable: { rows: [sink<Row>(m, 'rows', '-')], deadLetters: [sink<DeadLetter>(m, 'dead', '--')] } });
    m.expect(written.pipe(map((w) => w.sink))).toBeObservable('--z-(y|)', { z: 'rows', y: 'dead' });
    m.expect(acked).toBeObservable('----c', { c: 0 });
  }));

  it('does not wait for the logs, which get the refused rows\' dead letters too', marbles((m) => {
    const acked = new Subject<number>();
    const source = m.cold('-a-c-|', inputs(acked, { a: '1', c: 'refused' }));
    const logged: string[] = [];
    const log = <T extends { raw?: string; value?: string }>(name: string) => concatMap((item: T) => (logged.push(`${name}:${item.value ?? item.raw}`), m.cold('-----(w|)', { w: { sink: name, items: [item] } })));
    const written = acknowledged(source, rowsOrDeadLetters, {
      durable: { rows: [sink<Row>(m, 'rows', '')], deadLetters: [sink<DeadLetter>(m, 'dead', '-')] },
      logs: { rows: [log<Row>('rows.log')], deadLetters: [log<DeadLetter>('dead.log')] },
    });
    const names = { x: 'rows', z: 'rows', y: 'dead', l: 'rows.log', d: 'dead.log' };
    // a's row written at 1, c's refused at 3, its dead letter written at 4 and logged from 3; the logs take 5 frames each
    m.expect(written.pipe(map((w) => w.sink))).toBeObservable('-x-zy-l-d--(l|)', names);
    m.expect(acked).toBeObservable('-a--c', { a: 0, c: 1 });
    m.flush();
    // in the order each log took them: c's dead letter at 3, c's row once a's was logged
    expect(logged).toEqual(['rows.log:1', `dead.log:${JSON.stringify({ ref: ref(1), value: 'refused' })}`, 'rows.log:refused']);
  }));

  it('passes an error on, from the source, the flow or a sink, acknowledging nothing unwritten', marbles((m) => {
    const acked = { source: new Subject<number>(), flow: new Subject<number>(), sink: new Subject<number>() };
    const durable = { rows: [sink<Row>(m, 'rows', '')], deadLetters: [sink<DeadLetter>(m, 'dead', '-')] };
    const fromSource = m.cold('-a--#', inputs(acked.source, { a: '1' }));
    m.expect(acknowledged(fromSource, rowsOrDeadLetters, { durable }).pipe(map((w) => w.sink))).toBeObservable('-x--#', { x: 'rows' });
    m.expect(acked.source).toBeObservable('-a', { a: 0 });
    // the input whose outputs the flow failed to derive is not acknowledged: a restart reads it again
    const throwing = (inputs$: Observable<Input>) => inputs$.pipe(map((): Routed<Outputs> => { throw new Error('flow'); }));
    m.expect(acknowledged(m.cold('-a-|', inputs(acked.flow, { a: '1' })), throwing, { durable })).toBeObservable('-#', undefined, new Error('flow'));
    m.expect(acked.flow).toBeObservable('');
    const failingDead = { rows: [sink<Row>(m, 'rows', '')], deadLetters: [concatMap(() => m.cold<never>('-#'))] };
    const fromSink = m.cold('-c---a-|', inputs(acked.sink, { c: 'refused', a: '1' }));
    m.expect(acknowledged(fromSink, rowsOrDeadLetters, { durable: failingDead }).pipe(map((w) => w.sink))).toBeObservable('-x#', { x: 'rows' });
    m.expect(acked.sink).toBeObservable('');
  }));

  it('reaches the subscriber\'s error when building a refused row\'s dead letter throws', marbles((m) => {
    const source = m.cold('-c-|', inputs(new Subject(), { c: 'refused' }));
    const deadLetter = (): DeadLetter => { throw new Error('bad'); };
    const durable = { rows: [sink<Row>(m, 'rows', '')], deadLetters: [writeAll<DeadLetter>('dead')] };
    m.expect(acknowledged(source, rowsOrDeadLetters, { durable, deadLetter })).toBeObservable('-#', undefined, new Error('bad'));
  }));

  it('stops the source when unsubscribed, leaving unwritten inputs unacknowledged', marbles((m) => {
    const acked = new Subject<number>();
    const source = m.hot('-a-b-c-|', inputs(acked, { a: '1', b: '2', c: '3' }));
    const subs = /*    */ '^--!';
    const written = acknowledged(source, rowsOrDeadLetters, { durable: { rows: [sink<Row>(m, 'rows', '-')] } });
    m.expect(written.pipe(map((w) => w.sink)), subs).toBeObservable('--x', { x: 'rows' });
    m.expect(source).toHaveSubscriptions(subs);
    m.expect(acked).toBeObservable('--a', { a: 0 });
  }));

  it('stops an endless synchronous source as soon as the consumer has enough', () => {
    const input = (i: number): Input => ({ ref: ref(i), value: String(i), ack: () => {} });
    const flow = (inputs$: Observable<Input>) => acknowledged(inputs$, rowsOrDeadLetters, { durable: { rows: [writeAll<Row>('rows')] } });
    const { outputs, produced } = takeFromEndlessSource(flow, input, 3);
    expect(outputs).toHaveLength(3);
    expect(produced).toBe(3);
  });

  it('acknowledges at once an input that yields nothing, or only outputs nobody waits for', marbles((m) => {
    const acked = new Subject<number>();
    const source = m.cold('-a-b-|', inputs(acked, { a: '1', b: 'bad' }));
    const slowLog = concatMap((d: DeadLetter) => m.cold('----(w|)', { w: { sink: 'dead.log', items: [d] } }));
    const written = acknowledged(source, rowsOrDeadLetters, { durable: {}, logs: { deadLetters: [slowLog] } });
    m.expect(written.pipe(map((w) => w.sink))).toBeObservable('-------(l|)', { l: 'dead.log' });
    m.expect(acked).toBeObservable('-a-b', { a: 0, b: 1 });
  }));

  it('takes any input shape, told its ref and how to acknowledge it; the dead letter of a refused row is given the row\'s input', marbles((m) => {
    const acked = new Subject<number>();
    /** A message whose `done` is a method using `this`, as a class-based source hands them over. */
    class Message {
      constructor(readonly coordinates: SourceRef, readonly body: string) {}
      done(): void {
        acked.next(this.coordinates.offset);
      }
    }
    const source = m.cold('-a-c|', { a: new Message(ref(0), '1'), c: new Message(ref(1), 'refused') });
    const flow = (messages$: Observable<Message>) => messages$.pipe(map((message) => ({ ref: message.coordinates, value: message.body })), routeTo('rows'));
    const deadLetters: DeadLetter[] = [];
    const written = acknowledged<Message, Routed<Outputs>>(source, flow, {
      ref: (message) => message.coordinates,
      ack: (message) => message.done(),
      durable: { rows: [sink<Row>(m, 'rows', '-')], deadLetters: [map((d: DeadLetter) => (deadLetters.push(d), { sink: 'dead', items: [d] }))] },
      deadLetter: ({ item, reason }, sink, input) => ({ stage: 'refused', reason: `${sink}: ${reason}`, raw: input!.body, ref: item.ref, time: 7 }),
    });
    m.expect(written.pipe(map((w) => w.sink))).toBeObservable('--x-(yx|)', { x: 'rows', y: 'dead' });
    m.expect(acked).toBeObservable('--a-c', { a: 0, c: 1 });
    m.flush();
    expect(deadLetters).toEqual([{ stage: 'refused', reason: 'rows: out of range', raw: 'refused', ref: ref(1), time: 7 }]);
  }));

  // checked by `npm run typecheck` (an unused @ts-expect-error fails it); the body only builds the calls
  it('asks, at compile time, how to find the ref and the ack of inputs that carry none', () => {
    const noRef = (source$: Observable<{ value: string; ack(): void }>) =>
      // @ts-expect-error: no `ref` on the inputs, and no `ref` option
      acknowledged(source$, (inputs$: Observable<{ value: string; ack(): void }>) => inputs$.pipe(routeTo('rows')), { durable: {} });
    const noAck = (source$: Observable<{ value: string; ref: SourceRef }>) =>
      // @ts-expect-error: no `ack()` on the inputs, and no `ack` option
      acknowledged(source$, (inputs$: Observable<{ value: string; ref: SourceRef }>) => inputs$.pipe(routeTo('rows')), { durable: {} });
    expect([noRef, noAck]).toHaveLength(2);
  });

  /*
   * A revision is derived from the input that caused it (its `cause`), not from the input of the
   * row it revises, long acknowledged. Its dead letter must hold the causing input, or that
   * input's offset is committed before the dead letter is written, and a crash loses it.
   */
  it('holds the input that caused a refused revision until the revision\'s dead letter is written', marbles((m) => {
    const acked = new Subject<number>();
    // b revises a's row (revision 1): the sink refuses the revision
    const source = m.cold('-a-b-|', inputs(acked, { a: '1', b: '2' }));
    const flow = (inputs$: Observable<Input>) => inputs$.pipe(
      mergeMap(({ ref: own, value }): Observable<Row> => (value === '2' ? of({ ref: own, value }, { ref: ref(0), value: 'refused', revision: 1, cause: own }) : of({ ref: own, value }))),
      routeTo('rows'),
    );
    const deadLetters: DeadLetter[] = [];
    const deadSink = concatMap((d: DeadLetter) => (deadLetters.push(d), m.cold('----(w|)', { w: { sink: 'dead', items: [d] } })));
    const written = acknowledged<Input, Routed<Outputs>>(source, flow, { durable: { rows: [sink<Row>(m, 'rows', '')], deadLetters: [deadSink] } });
    m.expect(written.pipe(map((w) => w.sink))).toBeObservable('-x-(xx)(y|)', { x: 'rows', y: 'dead' });
    // b, which caused the revision, once its dead letter is written at 7
    m.expect(acked).toBeObservable('-a-----b', { a: 0, b: 1 });
    m.flush();
    expect(deadLetters).toEqual([expect.objectContaining({ stage: `${REFUSED_BY_SINK} revision 1`, ref: ref(0), cause: ref(1) })]);
  }));
});

/*
 * The seam holds an input only while the flow runs synchronously from the source to the durable
 * sinks. An asynchronous operator in the flow let the input go first: it was acknowledged, its
 * offset committed past rows not yet written. A wrong composition must fail its tests instead.
 */
describe('acknowledged, composed wrongly', () => {
  it('ends with ACKNOWLEDGED_TWICE, naming the flow and the input, when the flow is asynchronous', marbles((m) => {
    const acked = new Subject<number>();
    const source = m.cold('-a-b-|', inputs(acked, { a: '1', b: '2' }));
    const delayed = (inputs$: Observable<Input>) => rowsOrDeadLetters(inputs$).pipe(delay(2, m.scheduler));
    m.expect(acknowledged(source, delayed, { name: 'delayed flow', durable: { rows: [writeAll<Row>('rows')] } })).toBeObservable('---#', undefined, new VigieError(
      'ACKNOWLEDGED_TWICE',
      'delayed flow: a row entered its durable sinks after its input was acknowledged (an asynchronous operator between acks.inputs and acks.durable?) (flow=delayed flow source=topic partition=0 offset=0)',
    ));
  }));

  it('ends with ACKNOWLEDGED_TWICE when a sink reports a row written twice, rather than acknowledge its input twice', marbles((m) => {
    const acked = new Subject<number>();
    const source = m.cold('-a-|', inputs(acked, { a: '1' }));
    const twice = mergeMap((row: Row) => m.cold('-w-w|', { w: { sink: 'rows', items: [row] } }));
    const written = acknowledged(source, rowsOrDeadLetters, { name: 'twice', durable: { rows: [twice] } });
    m.expect(written.pipe(map((w) => w.sink))).toBeObservable('--w-#', { w: 'rows' }, new VigieError(
      'ACKNOWLEDGED_TWICE',
      'twice: an input was acknowledged twice (a sink reported a row written more than once?) (flow=twice source=topic partition=0 offset=0)',
    ));
    m.expect(acked).toBeObservable('--a', { a: 0 });
  }));

  it('ends with SINK_WRITE_FAILED when a row is refused and there is no durable dead-letter sink', marbles((m) => {
    const acked = new Subject<number>();
    const source = m.cold('-c-|', inputs(acked, { c: 'refused' }));
    const written = acknowledged(source, rowsOrDeadLetters, { durable: { rows: [sink<Row>(m, 'rows', '')] }, logs: { deadLetters: [writeAll<DeadLetter>('dead.log')] } });
    m.expect(written).toBeObservable('-#', undefined, new VigieError('SINK_WRITE_FAILED', 'rows refused a row and the flow has nowhere to put it: out of range (source=topic partition=0 offset=0)'));
    m.expect(acked).toBeObservable('');
  }));

  it('ends with SINK_WRITE_FAILED when a dead letter itself is refused, rather than acknowledge it unwritten', marbles((m) => {
    const acked = new Subject<number>();
    const source = m.cold('-c-|', inputs(acked, { c: 'refused' }));
    const refuseAll = map((item: DeadLetter) => ({ sink: 'dead', items: [], refused: [{ item, reason: 'NUL byte' }] }));
    const written = acknowledged(source, rowsOrDeadLetters, { durable: { rows: [sink<Row>(m, 'rows', '')], deadLetters: [refuseAll] } });
    m.expect(written.pipe(map((w) => w.sink))).toBeObservable('-#', undefined, new VigieError('SINK_WRITE_FAILED', 'dead refused a row and the flow has nowhere to put it: NUL byte (source=topic partition=0 offset=0)'));
    m.expect(acked).toBeObservable('');
  }));
});
