/**
 * The transaction flow in process: the real `acknowledgedTransactions` (parse → rules → sinks →
 * acknowledgements), fed generated records as one Kafka partition, with sinks that keep what they
 * are given (or the real PostgreSQL sinks). What became of each record comes back as an
 * {@link Outcome}, and the stream's error, if it had one.
 */
import { from, lastValueFrom, map, toArray } from 'rxjs';
import type { FuzzCase } from './arbitraries/fuzzCase.ts';
import type { DeadLetterSeen, Outcome } from './accounting.ts';
import { type AcknowledgedTransactionSinks, acknowledgedTransactions } from '../src/streams/acknowledgedTransactions.ts';
import type { DurableSink } from '../src/streams/acknowledgements.ts';
import type { DeadLetter, SuspiciousTransaction } from '../src/types.ts';

/** What durable sinks hold, by offset: rows of suspicious_transactions, dead letters. */
export interface Written {
  readonly rows: readonly { readonly offset: number; readonly revision: number }[];
  readonly dead: readonly (DeadLetterSeen & { readonly offset: number })[];
}

export interface FlowRun {
  readonly outcomes: Outcome[];
  /** The stream's error: a record stopped the partition. */
  readonly error?: unknown;
  /** How many times each record was acknowledged. */
  readonly acks: number[];
}

/** A sink that writes to memory: what a durable sink reports, at once. */
function memory<T>(into: T[], name: string): DurableSink<T> {
  return map((item: T) => {
    into.push(item);
    return { sink: name, items: [item] };
  });
}

/**
 * Runs `cases` through the flow, in order, as offsets 0, 1, ... of partition 0 of `source`;
 * `sinks` replaces the in-memory ones (the real PostgreSQL sinks, say) and `read` then says
 * what they hold.
 */
export async function runFlow(
  cases: readonly FuzzCase[],
  source = 'fuzz',
  durable?: { sinks: AcknowledgedTransactionSinks; read(): Promise<Written> },
): Promise<FlowRun> {
  const rows: SuspiciousTransaction[] = [];
  const dead: DeadLetter[] = [];
  const judged = cases.map(() => 0);
  const acks = cases.map(() => 0);
  const messages = cases.map((c, offset) => ({ message: { raw: c.bytes, ref: { source, partition: 0, offset }, time: 0 }, ack: () => acks[offset]!++ }));
  const sinks = durable?.sinks ?? { suspicious: [memory(rows, 'memory:suspicious')], deadLetters: [memory(dead, 'memory:dead')] };
  let error: unknown;
  try {
    await lastValueFrom(
      acknowledgedTransactions(from(messages), sinks, { onJudged: (j) => (j.revision ?? 0) === 0 && judged[j.record.ref.offset]!++ }).pipe(toArray()),
    );
  } catch (e) {
    error = e;
  }
  const written: Written = durable
    ? await durable.read()
    : {
        rows: rows.map((r) => ({ offset: r.ref.offset, revision: r.revision ?? 0 })),
        dead: dead.map((d) => ({ offset: d.ref.offset, stage: d.stage, reason: d.reason, bytes: d.bytes ?? Buffer.from(d.raw) })),
      };
  const outcomes = cases.map((_, offset) => ({
    judged: judged[offset]!,
    rows: written.rows.filter((r) => r.offset === offset && r.revision === 0).length,
    dead: written.dead.filter((d) => d.offset === offset),
  }));
  return { outcomes, acks, ...(error !== undefined && { error }) };
}
