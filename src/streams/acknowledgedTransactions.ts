/**
 * The transaction flow fed by acknowledgeable messages (Kafka): JSON is checked (bad messages
 * become dead letters), the rules run, and each message is acknowledged once its suspicious row
 * or its dead letter is durably written, or at once when it is neither.
 */
import { type Observable, type OperatorFunction, defaultIfEmpty, defer, filter, map, merge, mergeMap, of, pipe, tap, connect } from 'rxjs';
import { fanOut } from '../operators/fanOut.ts';
import { type RawMessage, parseTransactionMessage } from '../operators/parseTransaction.ts';
import type { DeadLetter, SuspiciousTransaction, TransactionRecord, Written } from '../types.ts';
import { Acknowledgements } from './acknowledgements.ts';
import { type SuspiciousTransactionsOptions, suspiciousTransactions } from './suspiciousTransactions.ts';

export interface AcknowledgeableMessage {
  readonly message: RawMessage;
  ack(): void;
}

type Sink<T> = OperatorFunction<T, Written<unknown>>;

export interface AcknowledgedTransactionSinks {
  /** Durable and idempotent on the transaction's source coordinates. */
  readonly suspicious: OperatorFunction<SuspiciousTransaction, Written<SuspiciousTransaction>>;
  readonly deadLetters: OperatorFunction<DeadLetter, Written<DeadLetter>>;
  /** Further sinks (logs, alerts), not waited for. */
  readonly logs?: { readonly suspicious?: readonly Sink<SuspiciousTransaction>[]; readonly deadLetters?: readonly Sink<DeadLetter>[] };
}

export function acknowledgedTransactions(
  messages$: Observable<AcknowledgeableMessage>,
  sinks: AcknowledgedTransactionSinks,
  options: SuspiciousTransactionsOptions = {},
): Observable<Written<unknown>> {
  return defer(() => {
    const acks = new Acknowledgements();
    const judge = (record: TransactionRecord): Observable<SuspiciousTransaction | null> =>
      suspiciousTransactions(of(record), options).pipe(defaultIfEmpty(null));
    return messages$.pipe(
      tap(({ message, ack }) => acks.received(message.ref, ack)),
      map(({ message }) => parseTransactionMessage(message)),
      connect((parsed$) =>
        merge(
          parsed$.pipe(
            filter((p) => !p.ok),
            map((p) => (p as { dead: DeadLetter }).dead),
            tap((dead) => acks.expect(dead.ref, 1)),
            fanOut(pipe(sinks.deadLetters, tap((w) => acks.written(w))), ...(sinks.logs?.deadLetters ?? [])),
          ),
          parsed$.pipe(
            filter((p) => p.ok),
            map((p) => (p as { value: TransactionRecord }).value),
            mergeMap((record) => judge(record).pipe(tap((s) => acks.expect(record.ref, s === null ? 0 : 1)))),
            filter((s): s is SuspiciousTransaction => s !== null),
            fanOut(pipe(sinks.suspicious, tap((w) => acks.written(w))), ...(sinks.logs?.suspicious ?? [])),
          ),
        ),
      ),
    );
  });
}
