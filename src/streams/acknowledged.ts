/**
 * Runs a flow on a source's acknowledgeable inputs and writes what it derives, acknowledging each
 * input once everything derived from it is durably written: the one place where a flow's
 * acknowledgements, and the loop that turns rows a sink refuses into dead letters, are wired.
 *
 * A flow is three things: the source's inputs; `flow`, a function from the held inputs to their
 * outputs, each addressed to a kind of sink with {@link routeTo} (`{ to: 'detections', item }`);
 * and the sinks per kind, `durable` (an input is acknowledged once each of them has written every
 * item derived from it) and `logs` (not waited for). `flow` must be synchronous from an input to
 * its outputs (see acknowledgements.ts): an asynchronous operator in it ends the flow with
 * `ACKNOWLEDGED_TWICE`, as does a sink reporting a row twice, rather than commit an offset early.
 *
 * A row a durable sink refuses for its data becomes a dead letter (`deadLetter`; by default the
 * row as JSON, see {@link refusedDeadLetter}) written to the `deadLetters` sinks, and its input is
 * held until that is written: the row's own input, or a revision's `cause` (the input that made
 * it). With no durable `deadLetters` sinks, a refusal ends the flow with `SINK_WRITE_FAILED`: the
 * row can be neither written nor dropped. The output is every sink's report, and completes once
 * the source has and every sink has written what it holds.
 *
 * ```
 * source:       -a----b----c----|   a: a row; b: not a number (a dead letter); c: a row
 * durable:      rows written in 1 frame (c's refused: z), dead letters in 2
 *               acknowledged(source, flow, { durable: { rows, deadLetters } })
 * output:       --x-----y---z-y-|   x: a's row; y: b's dead letter, then c's refused row's
 * acknowledged: --a-----b-----c
 * ```
 *
 * @example
 * // the sensor flow from Kafka to PostgreSQL, each record's offset committed once its rows are in
 * acknowledged(
 *   fromKafka({ brokers, topics: ['temperature'], groupId: 'alarms' }),
 *   (records$) => sensorRecordAnomalies(records$).pipe(map(sensorOutput)),
 *   { durable: { detections: [toPostgres(pool, sensorDetectionsTable)], deadLetters: [toPostgres(pool, deadLettersTable)] } },
 * );
 *
 * @param source$ Inputs with a `ref` (where they came from) and an `ack()`, as a `KafkaRecord`;
 *   other shapes say how with `ref` and `ack`.
 * @param flow From the held inputs to their outputs, each addressed to a kind of sink.
 * @return The sinks' reports of what they wrote.
 */
import { type Observable, type OperatorFunction, Subject, defer, filter, finalize, map, mergeWith, pipe } from 'rxjs';
import { fanOut } from '../operators/fanOut.ts';
import type { DeadLetter, SourceRef, Written } from '../types.ts';
import { Acknowledgements, type DurableSink, type Refusal, refusedDeadLetter } from './acknowledgements.ts';

/** An output of a flow, addressed to the sinks of kind `to`. */
export type Routed<O> = { [K in keyof O]: { readonly to: K; readonly item: O[K] } }[keyof O];

type Sink<T> = OperatorFunction<T, Written<unknown>>;

/** An output addressed to a kind of sink, as {@link routeTo} makes them. */
export interface Addressed { readonly to: string; readonly item: unknown }

/** The items of the outputs `R` per kind of sink. */
type Items<R extends Addressed> = { [P in R as P['to']]: P['item'] };

export interface AcknowledgedOptions<I, R extends Addressed> {
  /** Per kind, the sinks an input waits for; `deadLetters` also takes the rows the others refuse. */
  readonly durable: { readonly [K in keyof Items<R>]?: readonly DurableSink<Items<R>[K]>[] } & { readonly deadLetters?: readonly DurableSink<DeadLetter>[] };
  /** Per kind, sinks not waited for (logs for people): they may repeat a few items after a crash. */
  readonly logs?: { readonly [K in keyof Items<R>]?: readonly Sink<Items<R>[K]>[] } & { readonly deadLetters?: readonly Sink<DeadLetter>[] };
  /** Named in the errors of a wrong composition. */
  readonly name?: string;
  /** Where an input came from; by default its `ref`. */
  readonly ref?: (input: I) => SourceRef;
  /** Says an input is done; by default calls its `ack()` (as a method: a class's may use `this`). */
  readonly ack?: (input: I) => void;
  /** The dead letter of a row `sink` refused; `input` is the row's own input while it is held. */
  readonly deadLetter?: (refusal: Refusal<R['item']>, sink: string, input: I | undefined) => DeadLetter;
}

/** Addresses each item to the sinks of kind `to`, for {@link acknowledged}. */
export function routeTo<K extends string>(to: K): <T>(source: Observable<T>) => Observable<{ readonly to: K; readonly item: T }> {
  return map((item) => ({ to, item }));
}

type Held = { readonly ref: SourceRef; ack(): void };
/** `ref` and `ack` are required of inputs that do not carry them: a missing one fails to compile, not at the first record. */
type HowToAcknowledge<I> = ([I] extends [{ readonly ref: SourceRef }] ? unknown : { readonly ref: (input: I) => SourceRef })
  & ([I] extends [{ ack(): void }] ? unknown : { readonly ack: (input: I) => void });
const heldRef = (input: unknown): SourceRef => (input as Held).ref;
const heldAck = (input: unknown): void => (input as Held).ack();

export function acknowledged<I, R extends Addressed>(
  source$: Observable<I>,
  flow: (inputs$: Observable<I>) => Observable<R>,
  options: NoInfer<AcknowledgedOptions<I, R> & HowToAcknowledge<I>>,
): Observable<Written<unknown>> {
  const { durable, logs = {}, name = 'acknowledged', ref = heldRef, ack = heldAck } = options;
  const toDead = options.deadLetter ?? ((refusal: Refusal<never>, sink: string) => refusedDeadLetter(refusal, sink, Date.now()));
  // the kinds are known only to the caller's types: here, every item is a row with a ref
  const durableOf = durable as Record<string, readonly DurableSink<DeadLetter>[] | undefined>;
  const logsOf = logs as Record<string, readonly Sink<unknown>[] | undefined>;
  const kinds = [...new Set([...Object.keys(durable), ...Object.keys(logs)])];
  const refusing = kinds.filter((kind) => kind !== 'deadLetters' && durableOf[kind] !== undefined);
  return defer(() => {
    const acks = new Acknowledgements(name);
    // Open until every durable sink that may refuse is done: what they refuse comes back here.
    const refused = new Subject<DeadLetter>();
    let open = refusing.length;
    const done = (): void => {
      if (--open === 0) refused.complete();
    };
    if (open === 0) refused.complete();
    const onRefused = durableOf['deadLetters'] === undefined
      ? undefined
      : (refusal: Refusal<DeadLetter>, sink: string) => refused.next(toDead(refusal as Refusal<never>, sink, acks.inputOf(refusal.item.ref) as I | undefined));
    const sinksOf = (kind: string): OperatorFunction<DeadLetter, Written<unknown>> => {
      const written = logsOf[kind] ?? [];
      const held = durableOf[kind];
      if (kind === 'deadLetters') return pipe(mergeWith(refused), fanOut<DeadLetter, Written<unknown>>(acks.durable(held ?? []), ...written));
      if (held === undefined) return fanOut(...written);
      return fanOut(pipe(acks.durable(held, onRefused), finalize(done)), ...written);
    };
    return source$.pipe(
      acks.inputs(ref, ack),
      flow,
      fanOut(
        ...kinds.map((kind) =>
          pipe(
            filter((output: R) => output.to === kind),
            map((output) => output.item as DeadLetter),
            sinksOf(kind),
          ),
        ),
      ),
    );
  });
}
