/**
 * A diagnostic of the Kafka benchmark: how fast kafkajs alone reads the backlog on this machine,
 * in the same run, with the consumer settings `fromKafka` uses (1 s max wait, kafkajs's default
 * fetch sizes) and no work per record beyond counting it: Kafka's own share of the time. It is
 * not the baseline (that does the same durable work as vigie: handWritten.ts).
 */
import { progress } from '../../src/cli/progress.ts';
import { kafkaClient } from './records.ts';

export interface ConsumeRate {
  readonly records: number;
  /** From the first batch handed over to the last record counted. */
  readonly seconds: number;
  /**
   * The records after the first batch over that time: the first batch (a whole fetch, up to 1 MB,
   * tens of thousands of small records) is in hand when the clock starts, and counting it would
   * make kafkajs look faster the larger the fetch.
   */
  readonly perSecond: number;
}

export async function rawConsumeRate(brokers: readonly string[], topic: string, groupId: string, expected: number): Promise<ConsumeRate> {
  const consumer = kafkaClient(brokers, 'vigie-bench-raw').consumer({ groupId, maxWaitTimeInMs: 1000 });
  const bar = progress('bench: raw kafkajs consume', { total: expected });
  let count = 0;
  let firstBatch = 0;
  let first = 0;
  let last = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (count === 0) {
          first = performance.now();
          firstBatch = batch.messages.length;
        }
        count += batch.messages.length;
        bar.update(count);
        if (count >= expected) {
          last = performance.now();
          done();
        }
      },
    });
    await withTimeout(finished, 300_000, () => `the raw consumer read ${count} of ${expected} records`);
    bar.finish();
  } finally {
    await consumer.disconnect();
  }
  const seconds = (last - first) / 1000;
  if (!(seconds > 0)) throw new Error(`the backlog came in one fetch of ${firstBatch} records: too small to time, raise BENCH_KAFKA_RECORDS`);
  return { records: count, seconds, perSecond: (count - firstBatch) / seconds };
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what()} within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
