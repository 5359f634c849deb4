/**
 * Acknowledges each input once everything derived from it has left the last durable sink: the
 * rule that turns Kafka's at-least-once delivery into exactly-once results (with sinks idempotent
 * on the input's source coordinates). Nobody counts: an input is held while the flow derives its
 * outputs (`inputs`), and each durable write of an item derived from it (an
 * item carries its input's `ref`) holds it from the moment the item enters the sink until the sink
 * reports it written. An input that yields nothing is acknowledged as soon as it is derived.
 *
 * The seam checks itself: an item entering `durable` for an input no longer held (an
 * asynchronous operator between `inputs` and `durable` let it go, and its offset could be
 * committed before the item is written), or an input released more often than it was held (a
 * sink reporting a row twice), ends the flow with `ACKNOWLEDGED_TWICE`, naming the flow and the
 * input's coordinates. A revision never trips it: it is derived from its `cause`, the input
 * being processed, which is held meanwhile.
 *
 * Inputs are found by source, then partition, then offset, in nested maps: on the hot path of
 * every record, a key string built per lookup cost more than the rest of the bookkeeping. The
 * last entry found is kept, since the outputs of one input come together.
 */
import { type MonoTypeOperatorFunction, type OperatorFunction, pipe, tap } from 'rxjs';
import { VigieError } from '../errors.ts';
import { fanOut } from '../operators/fanOut.ts';
import { operate, operatorSubscriber } from '../operators/operate.ts';
import type { DeadLetter, SourceRef, Written } from '../types.ts';

interface Pending {
  /** Not a closure per input: `ack(input)` is called when done. */
  ack: ((input: never) => void) | undefined;
  input: unknown;
  /** The input's own hold until settled, plus one per durable write in flight. */
  holds: number;
}

/** A row a durable sink would not take for its data (a number out of a column's range), and why. */
export interface Refusal<T> {
  readonly item: T;
  readonly reason: string;
}

/** What a durable sink reports: what it wrote, and what it refused, if it can refuse. */
export interface DurableReport<T> extends Written<T> {
  readonly refused?: readonly Refusal<T>[];
}

export type DurableSink<T> = OperatorFunction<T, DurableReport<T>>;

/** An item derived from an input: `ref` unless it names the input that caused it (a revision's `cause`). */
type Derived = { readonly ref: SourceRef; readonly cause?: SourceRef; readonly revision?: number };
const inputOf = (item: Derived): SourceRef => item.cause ?? item.ref;

const TWICE = 'an input was acknowledged twice (a sink reported a row written more than once?)';

/**
 * The stage of the dead letters made of rows a durable sink refused; a revision's is
 * `refused-by-sink revision N`, since dead letters are unique on the row's coordinates and stage
 * and each refused revision of a row is a decision of its own, not a replay of the first.
 */
export const REFUSED_BY_SINK = 'refused-by-sink';

/**
 * The dead letter of a row `sink` refused: the row as JSON, the sink's reason, the row's ref. A
 * revision's keeps its `cause`, the input it was derived from: that input, not the long
 * acknowledged one of the row, is held until the dead letter is written.
 */
export function refusedDeadLetter<T extends Derived>({ item, reason }: Refusal<T>, sink: string, time: number): DeadLetter {
  const stage = item.revision ? `${REFUSED_BY_SINK} revision ${item.revision}` : REFUSED_BY_SINK;
  const dead = { stage, reason: `${sink}: ${reason}`, raw: JSON.stringify(item), ref: item.ref, time };
  return item.cause === undefined ? dead : { ...dead, cause: item.cause };
}

export class Acknowledgements {
  /** `flow`: named in the errors of a wrong composition (an input acknowledged twice). */
  constructor(readonly flow: string) {}

  private readonly sources = new Map<string, Map<number, Map<number, Pending>>>();
  private count = 0;
  private lastRef: SourceRef | undefined;
  private lastEntry: Pending | undefined;

  /**
   * Holds each input from its arrival until the rest of the flow, which must be synchronous, has
   * derived its outputs: by the time `next` returns, each of them has entered its durable sinks.
   * Calls `ack(input)` once all of them are written.
   */
  inputs<T>(refOf: (input: T) => SourceRef, ack: (input: T) => void): MonoTypeOperatorFunction<T> {
    // one subscriber and one lookup: this is every record's path
    return operate<T, T>((subscriber, source) => {
      source.subscribe(
        operatorSubscriber<T>(subscriber, {
          next: (input) => {
            const ref = refOf(input);
            const pending = this.hold(ref, input, ack);
            subscriber.next(input);
            // Closed: deriving its outputs failed (or nobody wants them), and what it should have
            // yielded may be unwritten; unacknowledged, it is read again after a restart.
            if (!subscriber.closed) this.release(ref, pending);
          },
        }),
      );
    });
  }

  /**
   * Sends each item to every durable sink, holding its input until each has written it, and
   * passes the sinks' reports on. A row a sink refuses goes to `refused` (which turns it into a
   * dead letter, held in its turn by the dead-letter sinks) before its hold is let go; with no
   * `refused`, a refusal ends the flow, since the row can be neither written nor dropped.
   */
  durable<T extends Derived>(sinks: readonly DurableSink<T>[], refused?: (refusal: Refusal<T>, sink: string) => void): OperatorFunction<T, DurableReport<T>> {
    const written = (item: T): void => {
      const input = inputOf(item);
      this.release(input, this.held(input, TWICE));
    };
    const report = tap((r: DurableReport<T>) => {
      for (const item of r.items) written(item);
      for (const refusal of r.refused ?? []) {
        if (refused === undefined) {
          const { source, partition, offset } = refusal.item.ref;
          throw new VigieError('SINK_WRITE_FAILED', `${r.sink} refused a row and the flow has nowhere to put it: ${refusal.reason}`, { where: { source, partition, offset } });
        }
        refused(refusal, r.sink);
        written(refusal.item);
      }
    });
    const holds = sinks.length;
    return pipe(
      tap((item: T) => {
        // Not held: something asynchronous between `inputs` and here let the input go, and its
        // offset may be committed before this row is written.
        this.held(inputOf(item), 'a row entered its durable sinks after its input was acknowledged (an asynchronous operator between acks.inputs and acks.durable?)').holds += holds;
      }),
      fanOut(...sinks.map((sink) => pipe(sink, report))),
    );
  }

  /**
   * The input `ref` came from, while it is held (not yet acknowledged); undefined after. Looked up
   * here rather than kept beside the ref: a ref lives on in state (a transaction within the
   * allowed lateness) long after its input is written, and its input's bytes with it.
   */
  inputOf(ref: SourceRef): unknown {
    return this.sources.get(ref.source)?.get(ref.partition)?.get(ref.offset)?.input;
  }

  /** Inputs received and not yet acknowledged. */
  get pending(): number {
    return this.count;
  }

  /** The entry of an input still held; an error naming the flow and the input when it is not. */
  private held(ref: SourceRef, problem: string): Pending {
    if (ref === this.lastRef) return this.lastEntry!;
    const pending = this.sources.get(ref.source)?.get(ref.partition)?.get(ref.offset);
    if (pending === undefined) throw this.misuse(ref, problem);
    this.lastRef = ref;
    this.lastEntry = pending;
    return pending;
  }

  /** A wrong composition: thrown in an operator's handler, it ends the flow (never commits early). */
  private misuse({ source, partition, offset }: SourceRef, problem: string): VigieError {
    return new VigieError('ACKNOWLEDGED_TWICE', `${this.flow}: ${problem}`, { where: { flow: this.flow, source, partition, offset } });
  }

  private entry(ref: SourceRef): Pending {
    if (ref === this.lastRef) return this.lastEntry!;
    let partitions = this.sources.get(ref.source);
    if (partitions === undefined) this.sources.set(ref.source, (partitions = new Map()));
    let offsets = partitions.get(ref.partition);
    if (offsets === undefined) partitions.set(ref.partition, (offsets = new Map()));
    let pending = offsets.get(ref.offset);
    if (pending === undefined) {
      offsets.set(ref.offset, (pending = { ack: undefined, input: undefined, holds: 0 }));
      this.count++;
    }
    this.lastRef = ref;
    this.lastEntry = pending;
    return pending;
  }

  private hold<T>(ref: SourceRef, input: T, ack: (input: T) => void): Pending {
    const pending = this.entry(ref);
    pending.ack = ack;
    pending.input = input;
    pending.holds++;
    return pending;
  }

  private release(ref: SourceRef, pending: Pending): void {
    // already let go: a sink reported more rows written than it was given
    if (pending.holds <= 0) throw this.misuse(ref, TWICE);
    if (--pending.holds > 0) return;
    this.sources.get(ref.source)?.get(ref.partition)?.delete(ref.offset);
    if (this.lastEntry === pending) this.lastRef = this.lastEntry = undefined;
    this.count--;
    pending.ack?.(pending.input as never);
  }
}
