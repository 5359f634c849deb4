/**
 * The producer thread as the package runs it: from dist/, where its worker (plain .mjs, copied by
 * scripts/build.mjs) imports the one pinnedPartitioner.mjs beside it. tests/adapters/kafka runs
 * the same code from src/; a file the build forgot to copy fails only here.
 */
import { describe, expect, inject, it } from 'vitest';
import type { createThreadedProducer as Create } from '../../src/adapters/kafka/producerThread.ts';
import { consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.ts';

const brokers = inject('kafkaBrokers');
const compiled = new URL('../../dist/adapters/kafka/producerThread.js', import.meta.url).href;

describe('the packed producer thread', () => {
  it('starts its worker from dist/ and writes a keyless batch across partitions', async () => {
    const { createThreadedProducer } = (await import(compiled)) as { createThreadedProducer: typeof Create };
    const topic = uniqueTopic('packed-thread');
    await createTopic(brokers, topic, 3);
    const producer = await createThreadedProducer(brokers, 'vigie-test-packed-thread');
    try {
      const messages = [...Array(6).keys()].map((n) => ({ value: `reading ${n}` }));
      const offsets = await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
      // keyless messages go round the partitions, each pinned by the worker's partitioner
      expect(offsets.map((o) => o.partition).sort()).toEqual([0, 1, 2]);
    } finally {
      await producer.close();
    }
    const records = await consumeAll(brokers, topic, 6);
    expect(records.map((r) => r.value?.toString()).sort()).toEqual([...Array(6).keys()].map((n) => `reading ${n}`));
  });
});
