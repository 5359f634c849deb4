/**
 * The transaction flow fed by acknowledgeable messages (Kafka): JSON is checked (bad messages
 * become dead letters), labels forwarded into the topic become label events (never judged,
 * scored or stored: they feed the rules that read labels, see src/adapters/kafka/labelEvent.ts),
 * the rules run, and each message is acknowledged once its suspicious row
 * or its dead letter is durably written, or at once when it is neither.
 *
 * A composition of {@link acknowledged}, which holds each message while its outputs are derived
 * and written: a revision of an earlier transaction holds the message that caused it, and a
 * suspicious row a durable sink refuses becomes a dead letter of the message as it came.
 */
import { type Observable, type OperatorFunction, filter, identity, map, pipe, tap } from 'rxjs';
import type { ModelSlots, ScoringModel } from '../models/modelSlots.ts';
import { scoreByModel } from '../operators/scoreByModel.ts';
import { fanOut } from '../operators/fanOut.ts';
import { type TransactionMessage, parseTransactionMessage } from '../operators/parseTransaction.ts';
import type { DeadLetter, Parsed, Refused, SourceRef, SuspiciousTransaction, TransactionRecord, Written } from '../types.ts';
import { parseLabelEvent } from '../adapters/kafka/labelEvent.ts';
import { type Routed, acknowledged, routeTo } from './acknowledged.ts';
import { type DurableSink, refusedDeadLetter } from './acknowledgements.ts';
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
  /**
   * Whether the outputs of the input at `ref` are already written (a record read again after a
   * restore, to rebuild the state): its suspicious rows, revisions and dead letters are dropped
   * (so not alerted again either), the input only judged and acknowledged.
   */
  readonly replayed?: (ref: SourceRef) => boolean;
  /**
   * Learned models that score every transaction beside the rules (see `scoreByModel`): the
   * current one flags too, a shadow is scored and stored beside it. Their feature rules must be
   * in `book` (`adoptFeatures`); the rules then compute features for them.
   */
  readonly models?: Pick<ModelSlots<ScoringModel>, 'current' | 'shadow'>;
  /** With `models`: told of each scoring's time in ms (see `scoreByModel`). */
  readonly measureScoring?: (ms: number) => void;
}

export function acknowledgedTransactions(
  messages$: Observable<AcknowledgeableMessage>,
  sinks: AcknowledgedTransactionSinks,
  options: AcknowledgedTransactionsOptions = {},
): Observable<Written<unknown>> {
  const { replayed } = options;
  const fresh = <T extends { readonly ref: SourceRef; readonly cause?: SourceRef }>(source: Observable<T>): Observable<T> =>
    replayed === undefined ? source : source.pipe(filter((item) => !replayed(item.cause ?? item.ref)));
  const { models, measureScoring } = options;
  const judged = pipe(
    judgeRules(models === undefined ? options : { ...options, features: true }),
    models === undefined ? identity : scoreByModel(models, measureScoring === undefined ? {} : { measure: measureScoring }),
    tap((judged: Judged) => options.onJudged?.(judged)),
    suspiciousOnly({ clock: Date.now }),
    fresh,
    routeTo('suspicious'),
  );
  return acknowledged<AcknowledgeableMessage, Routed<TransactionOutputs>>(
    messages$,
    (held$) => held$.pipe(map(({ message }) => (message.record === undefined ? parseTransactionMessage(message) : parseLabelEvent(message))), fanOut<Parsed<TransactionRecord>, Routed<TransactionOutputs>>(
      pipe(filter((p) => !p.ok), map((p) => (p as { dead: DeadLetter }).dead), fresh, routeTo('deadLetters')),
      pipe(filter((p) => p.ok), map((p) => (p as { value: TransactionRecord }).value), judged),
    )),
    { name: 'acknowledgedTransactions', ref: (m) => m.message.ref, durable: { suspicious: sinks.suspicious, deadLetters: sinks.deadLetters }, logs: sinks.logs, deadLetter: (refusal, sink, held) => asReceived(refusal, sink, held?.message) },
  );
}

interface TransactionOutputs {
  readonly suspicious: SuspiciousTransaction;
  readonly deadLetters: DeadLetter;
}

/**
 * A refused row's dead letter holds the exact bytes that came, not the row: `message` is the one
 * the row came from, while it is held. A revision's keeps the row as JSON: its message is not the one held.
 */
export function asReceived(refusal: Refused<SuspiciousTransaction | DeadLetter>, sink: string, message: TransactionMessage | undefined): DeadLetter {
  const dead = refusedDeadLetter(refusal, sink, Date.now());
  if (dead.cause !== undefined || message === undefined) return dead;
  const { raw, time } = message;
  return typeof raw === 'string' ? { ...dead, raw, time } : { ...dead, raw: new TextDecoder().decode(raw), bytes: raw, time };
}
