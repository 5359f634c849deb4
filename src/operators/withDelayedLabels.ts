import type { OperatorFunction } from 'rxjs';
import { operate, operatorSubscriber } from './operate.ts';
import { eventTime } from './rules/eventTime.ts';
import type { TransactionRecord } from '../types.ts';

/** A transaction of labelled history: the record, and whether it was a fraud. */
export interface LabelledRecord {
  readonly record: TransactionRecord;
  readonly fraud: boolean;
}

/**
 * Labelled history as a live stream would have seen it: each transaction, and each fraud's label
 * event `delayMs` after it (a record whose transaction has `label: 'fraud'`, its `transaction_id`,
 * account and terminal, and as timestamp the time it became known), merged in event time. A label
 * comes before the transactions of its time or later (known by then), and the labels still due
 * when the history ends come out at its end. The offsets are numbered again in that merged order,
 * as one partition holding both would number them (the rules tell records apart by their offsets
 * within a partition). What the rule language's `fraudLabels` reads, in
 * training, from a CSV's fraud column (src/rules/labels.ts). The history must be in event-time
 * order (the labels then are too: one delay for all).
 *
 * ```
 * source:  -a-b-c-|      a fraud at 0 s; b at 5 s, c at 20 s; delayMs 10 s
 *          withDelayedLabels(10_000)
 * output:  -a-b-(Lc)-|   L: a's label at 10 s, before c
 * ```
 *
 * @example
 * fromBankCsv('bank.csv').pipe(withDelayedLabels(7 * 86_400_000), ruleFeatures(book))
 *
 * @param delayMs how long after a fraud its label is known.
 * @return An Observable of the records and the label events, in event-time order.
 */
export function withDelayedLabels(delayMs: number): OperatorFunction<LabelledRecord, TransactionRecord> {
  if (!(delayMs >= 0 && Number.isFinite(delayMs))) throw new RangeError(`withDelayedLabels: delayMs must be a finite number >= 0, got ${delayMs}`);
  return operate((subscriber, source) => {
    // the labels due, in event-time order: one delay for all, so a queue
    let due: { time: number; record: TransactionRecord }[] = [];
    let head = 0;
    let offset = 0;
    const emit = (record: TransactionRecord): void => subscriber.next({ ...record, ref: { ...record.ref, offset: offset++ } });
    source.subscribe(
      operatorSubscriber(subscriber, {
        next: ({ record, fraud }) => {
          const time = eventTime(record.transaction);
          while (head < due.length && due[head]!.time <= time) emit(due[head++]!.record);
          if (head > 1024 && head * 2 > due.length) [due, head] = [due.slice(head), 0];
          emit(record);
          if (fraud) due.push({ time: time + delayMs, record: labelOf(record, time + delayMs) });
        },
        complete: () => {
          while (head < due.length && !subscriber.closed) emit(due[head++]!.record);
          subscriber.complete();
        },
      }),
    );
    return () => {
      due = [];
    };
  });
}

function labelOf({ transaction: tx, ref }: TransactionRecord, time: number): TransactionRecord {
  return {
    transaction: {
      id: tx.id,
      transaction_id: tx.transaction_id,
      amount: 0,
      currency: tx.currency,
      timestamp: new Date(time).toISOString(),
      ...(tx.account === undefined ? {} : { account: tx.account }),
      ...(tx.terminal === undefined ? {} : { terminal: tx.terminal }),
      label: 'fraud',
    },
    ref,
  };
}
