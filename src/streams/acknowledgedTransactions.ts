/**
 * The transaction flow fed by acknowledgeable messages (Kafka): JSON is checked (bad messages
 * become dead letters), the rules run, and each message is acknowledged once its suspicious row
 * or its dead letter is durably written, or at once when it is neither.
 *
 * A composition of {@link acknowledged}, which holds each message while its outputs are derived
 * and written: a revision of an earlier transaction holds the message that caused it, and a
 * suspicious row a durable sink refuses becomes a dead letter of the message as it came.
 */
import { type Observable, type OperatorFunction, filter, map, pipe, tap } from 'rxjs';
import { fanOut } from '../operators/fanOut.ts';
import { type TransactionMessage, parseTransactionMessage } from '../operators/parseTransaction.ts';
import type { DeadLetter, Parsed, SuspiciousTransaction, TransactionRecord, Written } from '../types.ts';
import { type Routed, acknowledged, routeTo } from './acknowledged.ts';
import { type DurableSink, type Refusal, refusedDeadLetter } from './acknowledgements.ts';
import { type Judged, judgeRules, suspiciousOnly } from '../operators/rules/index.ts';
import type { SuspiciousTransactionsOptions } from './suspiciousTransactions.ts';

export interface AcknowledgeableMessage {
  readonly message: TransactionMessage;
  ack(): void;
}

type Sink<T> = OperatorFunction<T, Written<unknown>>;

export interface AcknowledgedTransactionSinks {
  /**
   * Where a suspicious transaction must be before its message is acknowledged: PostgreSQL
   * (idempotent on the source coordinates) and the alerts topic, say. Each reports what it wrote.
   */
  readonly suspicious: readonly DurableSink<SuspiciousTransaction>[];
  /** The same for dead letters: a table, a dead-letter topic. */
  readonly deadLetters: readonly DurableSink<DeadLetter>[];
  /** Further sinks (logs), not waited for. */
  readonly logs?: { readonly suspicious?: readonly Sink<SuspiciousTransaction>[]; readonly deadLetters?: readonly Sink<DeadLetter>[] };
}

export interface AcknowledgedTransactionsOptions extends SuspiciousTransactionsOptions {
  /** Told of each judgement and revision, e.g. to count the late ones (`judged.late`). */
  readonly onJudged?: (judged: Judged) => void;
}

export function acknowledgedTransactions(
  messages$: Observable<AcknowledgeableMessage>,
  sinks: AcknowledgedTransactionSinks,
  options: AcknowledgedTransactionsOptions = {},
): Observable<Written<unknown>> {
  const judged = pipe(
    judgeRules(options),
    tap((judged: Judged) => options.onJudged?.(judged)),
    suspiciousOnly({ clock: Date.now }),
    routeTo('suspicious'),
  );
  return acknowledged<AcknowledgeableMessage, Routed<TransactionOutputs>>(
    messages$,
    (held$) => held$.pipe(map(({ message }) => parseTransactionMessage(message)), fanOut<Parsed<TransactionRecord>, Routed<TransactionOutputs>>(
      pipe(filter((p) => !p.ok), map((p) => (p as { dead: DeadLetter }).dead), routeTo('deadLetters')),
      pipe(filter((p) => p.ok), map((p) => (p as { value: TransactionRecord }).value), judged),
    )),
    { name: 'acknowledgedTransactions', ref: (m) => m.message.ref, durable: { suspicious: sinks.suspicious, deadLetters: sinks.deadLetters }, logs: sinks.logs, deadLetter: asReceived },
  );
}

interface TransactionOutputs {
  readonly suspicious: SuspiciousTransaction;
  readonly deadLetters: DeadLetter;
}

/**
 * A refused row's dead letter holds the exact bytes that came, not the row: its message is the
 * one held under the row's ref. A revision's keeps the row as JSON: its message is not the one held.
 */
function asReceived(refusal: Refusal<SuspiciousTransaction | DeadLetter>, sink: string, held: AcknowledgeableMessage | undefined): DeadLetter {
  const dead = refusedDeadLetter(refusal, sink, Date.now());
  if (dead.cause !== undefined || held === undefined) return dead;
  const { raw, time } = held.message;
  return typeof raw === 'string' ? { ...dead, raw, time } : { ...dead, raw: new TextDecoder().decode(raw), bytes: raw, time };
}
