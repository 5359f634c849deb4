/**
 * The simulated bank on Kafka: each transaction in vigie's JSON on the transactions topic (key:
 * the account), and each fraud's label on the labels topic once the simulation's event time has
 * passed the transaction's by the label delay (confirmed fraud reaches a bank days later); at the
 * end, the labels still waiting. {@link bankMessages} is the order, with no I/O;
 * {@link produceBank} writes it with vigie's Kafka sink, paced at a rate, a chunk at a time.
 */
import { from, lastValueFrom, tap } from 'rxjs';
import { type RetryPolicy } from '../../retry.ts';
import type { BatchProducer } from '../kafka/producer.ts';
import { type KafkaMessage, toKafka } from '../kafka/toKafka.ts';
import { FRAUD_KINDS, NOT_FRAUD } from './bankDay.ts';
import { bankId, isoClock } from './clock.ts';
import { type Bank, type NumberedDay, bankDays, labelledTransaction } from './simulateBank.ts';

export interface BankTopics {
  /** `transaction` by default. */
  readonly transactions?: string;
  /** `transaction.labels` by default. */
  readonly labels?: string;
  /** Of event time, 7 days by default. */
  readonly labelDelayMs?: number;
}

export const DEFAULT_LABEL_DELAY_MS = 7 * 86_400_000;

/** A label on the labels topic. */
export interface FraudLabel {
  readonly transaction_id: number;
  readonly account: string;
  readonly fraud: true;
  readonly kind: (typeof FRAUD_KINDS)[number];
  readonly timestamp: string;
  readonly labelled_at: string;
}

/** A message to Kafka, and whether it is a transaction (counted by the rate) or a label. */
export interface BankMessage extends KafkaMessage {
  readonly label: boolean;
}

/**
 * Every message of the bank in the order it is produced: a day's transactions in event-time
 * order, each preceded by the labels whose time (event time + delay) it has reached; the labels
 * still waiting at the end, last. Holds one day and the labels within the delay.
 */
export function* bankMessages(bank: Bank, topics: BankTopics = {}): Generator<BankMessage> {
  const { transactions = 'transaction', labels = 'transaction.labels', labelDelayMs = DEFAULT_LABEL_DELAY_MS } = topics;
  const clock = isoClock(bank.options.start);
  const delay = Math.round(labelDelayMs / 1000);
  const start = bank.options.start;
  const isoAt = (seconds: number): string => new Date(start + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  // the labels waiting, in event-time order: a queue of columns
  const waiting = { id: [] as number[], customer: [] as number[], kind: [] as number[], time: [] as number[], head: 0 };
  const label = (j: number): BankMessage => {
    const account = bankId('C', waiting.customer[j]!);
    const value: FraudLabel = {
      transaction_id: waiting.id[j]!,
      account,
      fraud: true,
      kind: FRAUD_KINDS[waiting.kind[j]! - 1]!,
      timestamp: clock(waiting.time[j]!),
      labelled_at: isoAt(waiting.time[j]! + delay),
    };
    return { topic: labels, key: account, value: JSON.stringify(value), label: true };
  };
  const due = function* (now: number): Generator<BankMessage> {
    while (waiting.head < waiting.id.length && waiting.time[waiting.head]! + delay <= now) yield label(waiting.head++);
    if (waiting.head > 100_000 && waiting.head * 2 > waiting.id.length) {
      for (const column of [waiting.id, waiting.customer, waiting.kind, waiting.time]) column.splice(0, waiting.head);
      waiting.head = 0;
    }
  };
  for (const day of bankDays(bank)) {
    for (let i = 0; i < day.count; i++) {
      yield* due(day.time[i]!);
      yield transactionMessage(bank, day, i, transactions, clock);
      if (day.kind[i] !== NOT_FRAUD) {
        waiting.id.push(day.firstId + i);
        waiting.customer.push(day.customer[i]!);
        waiting.kind.push(day.kind[i]!);
        waiting.time.push(day.time[i]!);
      }
    }
  }
  yield* due(Number.POSITIVE_INFINITY);
}

function transactionMessage(bank: Bank, day: NumberedDay, i: number, topic: string, clock: (seconds: number) => string): BankMessage {
  const { transaction } = labelledTransaction(bank, day, i, clock).record;
  return { topic, key: transaction.account!, value: JSON.stringify(transaction), label: false };
}

export interface ProduceBankOptions extends BankTopics {
  /** Transactions per second (labels come on top); 0: as fast as the broker takes them. */
  readonly rate: number;
  /** toKafka's retry policy: how an outage is waited out. */
  readonly retry?: RetryPolicy;
  /** After each chunk the broker acknowledged: transactions and labels so far. */
  readonly onProgress?: (sent: { transactions: number; labels: number }) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Produces the bank's messages with `producer` (made by `createLightProducer` or
 * `createProducer`), in chunks that each wait for the broker's acknowledgement before the next
 * (memory holds a chunk, whatever the bank's size), at `rate` transactions a second.
 *
 * @return How many transactions and labels the broker acknowledged.
 */
export async function produceBank(bank: Bank, producer: BatchProducer, options: ProduceBankOptions): Promise<{ transactions: number; labels: number }> {
  const { rate, retry, onProgress, now = Date.now, sleep = (ms) => new Promise((r) => setTimeout(r, ms)) } = options;
  // a tenth of a second of the rate per chunk, at most 20 000 messages
  const chunkSize = rate > 0 ? Math.max(1, Math.min(20_000, Math.round(rate / 10))) : 20_000;
  const sent = { transactions: 0, labels: 0 };
  const started = now();
  let chunk: BankMessage[] = [];
  let chunkTransactions = 0;
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    if (rate > 0) {
      // the chunk's last transaction is due at (sent + its own) / rate seconds
      const dueAt = started + ((sent.transactions + chunkTransactions) * 1000) / rate;
      const wait = dueAt - now();
      if (wait > 0) await sleep(wait);
    }
    const messages = chunk;
    chunk = [];
    chunkTransactions = 0;
    await lastValueFrom(
      from(messages).pipe(
        toKafka(producer, (m) => m, { batch: { size: 5_000, lingerMs: 5 }, ...(retry && { retry }) }),
        tap(({ items }) => {
          for (const m of items) m.label ? sent.labels++ : sent.transactions++;
        }),
      ),
      { defaultValue: undefined },
    );
    onProgress?.(sent);
  };
  for (const message of bankMessages(bank, options)) {
    chunk.push(message);
    if (!message.label && ++chunkTransactions >= chunkSize) await flush();
  }
  await flush();
  return sent;
}
