/**
 * The transaction flow fed by acknowledgeable messages (Kafka): JSON is checked (bad messages
 * become dead letters), the rules run, and each message is acknowledged once its suspicious row
 * or its dead letter is durably written, or at once when it is neither. A suspicious transaction
 * a durable sink refuses (a value its column cannot hold) becomes a dead letter too, with the
 * sink's reason and the message's exact raw input, and its message waits for that dead letter.
 */
import { type Observable, type OperatorFunction, Subject, defer, filter, map, merge, pipe, tap } from 'rxjs';
import { fanOut } from '../operators/fanOut.ts';
import { type RawMessage, parseTransactionMessage } from '../operators/parseTransaction.ts';
import type { DeadLetter, SourceRef, SuspiciousTransaction, TransactionRecord, Written } from '../types.ts';
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
    // The raw input of each message in flight, found again if a sink refuses what it became. Keyed
    // by the ref object, which every stage passes on as it is: no key to build, nothing to delete.
    const inputs = new WeakMap<SourceRef, RawMessage>();
    const refused$ = new Subject<DeadLetter>();
    const refusedToDeadLetters = (report: Written<SuspiciousTransaction>): void => {
      for (const { item, reason } of report.refused ?? []) {
        // this sink's share now rests on the dead letter's sinks
        acks.expect(item.ref, sinks.deadLetters.length - 1);
        const input = inputs.get(item.ref);
        const raw = input?.raw ?? JSON.stringify(item.transaction);
        refused$.next({
          stage: report.sink,
          reason,
          raw: typeof raw === 'string' ? raw : new TextDecoder().decode(raw),
          ...(typeof raw !== 'string' && { bytes: raw }),
          ref: item.ref,
          time: input?.time ?? Date.now(),
        });
      }
    };
    return messages$.pipe(
      // called as a method: a class-based message's ack may use `this`
      tap((record) => {
        acks.received(record.message.ref, () => record.ack());
        inputs.set(record.message.ref, record.message);
      }),
      map(({ message }) => parseTransactionMessage(message)),
      // fanOut, not `connect`: `connect` never stops a synchronous source
      fanOut(
        pipe(
          filter((p) => !p.ok),
          map((p) => (p as { dead: DeadLetter }).dead),
          tap((dead) => acks.expect(dead.ref, sinks.deadLetters.length)),
          (dead$) => merge(dead$, refused$),
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
          fanOut(
            ...sinks.suspicious.map((sink) => pipe(sink, tap((w) => (acks.written(w), refusedToDeadLetters(w))))),
            ...(sinks.logs?.suspicious ?? []),
          ),
          // no refusal can come after the last suspicious transaction is written
          tap({ complete: () => refused$.complete() }),
        ),
      ),
    );
  });
}
