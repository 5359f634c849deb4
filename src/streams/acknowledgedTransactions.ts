/**
 * The transaction flow fed by acknowledgeable messages (Kafka): JSON is checked (bad messages
 * become dead letters), the rules run, and each message is acknowledged once its suspicious row
 * or its dead letter is durably written, or at once when it is neither.
 */
import { type Observable, type OperatorFunction, defer, filter, map, pipe, tap } from 'rxjs';
import { fanOut } from '../operators/fanOut.ts';
import { type RawMessage, parseTransactionMessage } from '../operators/parseTransaction.ts';
import type { DeadLetter, SuspiciousTransaction, TransactionRecord, Written } from '../types.ts';
import { Acknowledgements } from './acknowledgements.ts';
import { type Judged, judgeRules, suspiciousOnly } from '../operators/rules/index.ts';
import type { SuspiciousTransactionsOptions } from './suspiciousTransactions.ts';

export interface AcknowledgeableMessage {
  readonly message: RawMessage;
  ack(): void;
}

type Sink<T> = OperatorFunction<T, Written<unknown>>;

export interface AcknowledgedTransactionSinks {
  /**
   * Where a suspicious transaction must be before its message is acknowledged: PostgreSQL
   * (idempotent on the source coordinates) and the alerts topic, say. Each reports what it wrote.
   */
  readonly suspicious: readonly OperatorFunction<SuspiciousTransaction, Written<SuspiciousTransaction>>[];
  /** The same for dead letters: a table, a dead-letter topic. */
  readonly deadLetters: readonly OperatorFunction<DeadLetter, Written<DeadLetter>>[];
  /** Further sinks (logs), not waited for. */
  readonly logs?: { readonly suspicious?: readonly Sink<SuspiciousTransaction>[]; readonly deadLetters?: readonly Sink<DeadLetter>[] };
}

export interface AcknowledgedTransactionsOptions extends SuspiciousTransactionsOptions {
  /** Told of each judged transaction, e.g. to count the late ones (`judged.late`). */
  readonly onJudged?: (judged: Judged) => void;
}

export function acknowledgedTransactions(
  messages$: Observable<AcknowledgeableMessage>,
  sinks: AcknowledgedTransactionSinks,
  options: AcknowledgedTransactionsOptions = {},
): Observable<Written<unknown>> {
  return defer(() => {
    const acks = new Acknowledgements();
    return messages$.pipe(
      // called as a method: a class-based message's ack may use `this`
      tap((record) => acks.received(record.message.ref, () => record.ack())),
      map(({ message }) => parseTransactionMessage(message)),
      // fanOut, not `connect`: `connect` never stops a synchronous source
      fanOut(
        pipe(
          filter((p) => !p.ok),
          map((p) => (p as { dead: DeadLetter }).dead),
          tap((dead) => acks.expect(dead.ref, sinks.deadLetters.length)),
          fanOut(...sinks.deadLetters.map((sink) => pipe(sink, tap((w) => acks.written(w)))), ...(sinks.logs?.deadLetters ?? [])),
        ),
        pipe(
          filter((p) => p.ok),
          map((p) => (p as { value: TransactionRecord }).value),
          // every record comes out judged (held a while for event time): acknowledged at once
          // when no rule fired, once written everywhere when one did
          judgeRules(options),
          tap((judged) => {
            options.onJudged?.(judged);
            acks.expect(judged.record.ref, judged.reasons.length === 0 ? 0 : sinks.suspicious.length);
          }),
          suspiciousOnly(),
          fanOut(...sinks.suspicious.map((sink) => pipe(sink, tap((w) => acks.written(w)))), ...(sinks.logs?.suspicious ?? [])),
        ),
      ),
    );
  });
}
