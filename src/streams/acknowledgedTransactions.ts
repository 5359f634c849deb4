/**
 * The transaction flow fed by acknowledgeable messages (Kafka): JSON is checked (bad messages
 * become dead letters), the rules run, and each message is acknowledged once its suspicious row
 * or its dead letter is durably written, or at once when it is neither.
 *
 * Nothing here counts rows (see acknowledgements.ts): the flow is synchronous from a message to
 * its outputs (the rules decide on arrival), so `acks.inputs` holds each message while they are
 * derived, and `acks.durable` while they are written; a revision of an earlier transaction holds
 * the message that caused it. A suspicious row a durable sink refuses becomes a dead letter.
 */
import { type Observable, type OperatorFunction, Subject, defer, filter, finalize, map, mergeWith, pipe, tap } from 'rxjs';
import { fanOut } from '../operators/fanOut.ts';
import { type TransactionMessage, parseTransactionMessage } from '../operators/parseTransaction.ts';
import type { DeadLetter, SuspiciousTransaction, TransactionRecord, Written } from '../types.ts';
import { Acknowledgements, type DurableSink, refusedDeadLetter } from './acknowledgements.ts';
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
  return defer(() => {
    const acks = new Acknowledgements('acknowledgedTransactions');
    // Open until the suspicious rows' sinks are done: what they refuse comes back as dead letters.
    const refused = new Subject<DeadLetter>();
    // A refused row's dead letter holds the exact bytes that came, not the row: its message is
    // found among those held. A revision's keeps the row as JSON: its message is not the one held.
    const asReceived = (dead: DeadLetter): DeadLetter => {
      if (dead.cause !== undefined) return dead;
      const input = (acks.inputOf(dead.ref) as AcknowledgeableMessage | undefined)?.message;
      if (input === undefined) return dead;
      return typeof input.raw === 'string'
        ? { ...dead, raw: input.raw, time: input.time }
        : { ...dead, raw: new TextDecoder().decode(input.raw), bytes: input.raw, time: input.time };
    };
    return messages$.pipe(
      // called as a method: a class-based message's ack may use `this`
      acks.inputs((m) => m.message.ref, (m) => m.ack()),
      map(({ message }) => parseTransactionMessage(message)),
      fanOut(
        pipe(
          filter((p) => !p.ok),
          map((p) => (p as { dead: DeadLetter }).dead),
          mergeWith(refused),
          fanOut(acks.durable(sinks.deadLetters), ...(sinks.logs?.deadLetters ?? [])),
        ),
        pipe(
          filter((p) => p.ok),
          map((p) => (p as { value: TransactionRecord }).value),
          judgeRules(options),
          tap((judged) => options.onJudged?.(judged)),
          suspiciousOnly({ clock: Date.now }),
          fanOut(
            pipe(
              acks.durable(sinks.suspicious, (refusal, sink) => refused.next(asReceived(refusedDeadLetter(refusal, sink, Date.now())))),
              finalize(() => refused.complete()),
            ),
            ...(sinks.logs?.suspicious ?? []),
          ),
        ),
      ),
    );
  });
}
