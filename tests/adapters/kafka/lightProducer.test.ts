/**
 * The @platformatic/kafka producer of alerts and dead letters, against the run's real broker,
 * through `toKafka` as the transaction flow uses it: what arrives, in what order, on which
 * partition (the Java client's and kafkajs's, so an account's alerts stay where an older vigie
 * put them), and what a failure looks like (the errors `toKafka` retries, splits or gives up on).
 */
import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { lastValueFrom, range, toArray } from 'rxjs';
import { describe, expect, inject, it } from 'vitest';
import { batchProducerContract } from './batchProducerContract.ts';
import type { BatchProducer } from '../../../src/adapters/kafka/producer.ts';
import { createLightProducer } from '../../../src/adapters/kafka/lightProducer.ts';
import { toKafka } from '../../../src/adapters/kafka/toKafka.ts';
import { consumeAll, createTopic, uniqueTopic } from '../../helpers/kafka.ts';

const brokers = inject('kafkaBrokers');

async function withProducer<T>(work: (producer: BatchProducer) => Promise<T>): Promise<T> {
  const producer = await createLightProducer(brokers, 'vigie-test-light');
  try {
    return await work(producer);
  } finally {
    await producer.close();
  }
}

describe('createLightProducer', () => {
  batchProducerContract(createLightProducer, 'light', 'The producer is disconnected', true);

  it('puts every key on the partition the Java client and kafkajs choose (murmur2), keyless records round-robin', async () => {
    const topic = uniqueTopic('light-keys');
    await createTopic(brokers, topic, 5);
    // generated keys: any text, the accounts' and the ids' alike
    const keys = [...new Set(fc.sample(fc.string({ minLength: 1, maxLength: 24, unit: 'grapheme' }), { numRuns: 200, seed: 21 }))];
    await withProducer((producer) =>
      lastValueFrom(range(0, keys.length + 10).pipe(toKafka(producer, (n) => (n < keys.length ? { topic, key: keys[n]!, value: String(n) } : { topic, value: `keyless ${n}` })), toArray())),
    );
    const records = await consumeAll(brokers, topic, keys.length + 10);
    const kafkajs = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2, 3, 4].map((partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
    const misplaced = records
      .filter((r) => r.key !== null)
      .filter((r) => r.partition !== kafkajs({ topic, partitionMetadata, message: { key: r.key, value: r.value } }))
      .map((r) => r.key);
    expect(misplaced).toEqual([]);
    expect(new Set(records.filter((r) => r.key === null).map((r) => r.partition)).size).toBe(5);
  });
});
