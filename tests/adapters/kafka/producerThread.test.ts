/**
 * The producer in a worker thread, against the run's real broker, through `toKafka` as the
 * transaction flow uses it: what arrives, in what order, and what a failure looks like on the
 * main thread (the same errors `toKafka` retries, splits or gives up on).
 */
import { lastValueFrom, range, toArray } from 'rxjs';
import { describe, expect, inject, it } from 'vitest';
import { batchProducerContract } from './batchProducerContract.ts';
import type { BatchProducer } from '../../../src/adapters/kafka/producer.ts';
import { createThreadedProducer } from '../../../src/adapters/kafka/producerThread.ts';
import { toKafka } from '../../../src/adapters/kafka/toKafka.ts';
import { consumeAll, createTopic, uniqueTopic } from '../../helpers/kafka.ts';

const brokers = inject('kafkaBrokers');

async function withProducer<T>(work: (producer: BatchProducer) => Promise<T>): Promise<T> {
  const producer = await createThreadedProducer(brokers, 'vigie-test-thread');
  try {
    return await work(producer);
  } finally {
    await producer.close();
  }
}

describe('createThreadedProducer', () => {
  batchProducerContract(createThreadedProducer, 'thread', /producer thread exited/);

  it('keeps the key partitioning of the Java client, as a producer of the main thread does', async () => {
    const topic = uniqueTopic('thread-keys');
    await createTopic(brokers, topic, 3);
    await withProducer((producer) => lastValueFrom(range(0, 60).pipe(toKafka(producer, (n) => ({ topic, key: `account-${n % 5}`, value: String(n) })), toArray())));
    const records = await consumeAll(brokers, topic, 60);
    const partitionOf = new Map<string, Set<number>>();
    for (const r of records) partitionOf.set(r.key!, (partitionOf.get(r.key!) ?? new Set()).add(r.partition));
    expect([...partitionOf.values()].every((p) => p.size === 1)).toBe(true);
    expect(new Set(records.map((r) => r.partition)).size).toBeGreaterThan(1);
  });
});
