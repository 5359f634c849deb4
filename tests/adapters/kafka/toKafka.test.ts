/**
 * The Kafka sink against the run's real broker: marble tests cannot wait for a broker's
 * acknowledgement, and the guarantees that matter (order, offsets, "reported only once written",
 * one round trip per batch, idempotence) are the broker's answers, not the operator's.
 */
import { Kafka, type Producer } from 'kafkajs';
import { concatMap, from, interval, lastValueFrom, range, take, tap, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { VigieError } from '../../../src/errors.ts';
import { PRODUCER_CONFIG, createProducer } from '../../../src/adapters/kafka/producer.ts';
import { isRetriableKafkaError, toKafka } from '../../../src/adapters/kafka/toKafka.ts';
import { retryPolicy } from '../../../src/retry.ts';
import { consumeAll, createTopic, uniqueTopic } from '../../helpers/kafka.ts';

const brokers = inject('kafkaBrokers');
let producer: Producer;

beforeAll(async () => {
  producer = await createProducer(brokers, 'vigie-test-toKafka');
});

afterAll(async () => {
  await producer?.disconnect();
});

const asMessage = (topic: string) => (n: number) => ({ topic, key: `k${n % 7}`, value: JSON.stringify({ n }) });

describe('toKafka', () => {
  it('delivers every item in order, and the reports give the offsets the broker assigned', async () => {
    const topic = uniqueTopic('to-kafka-order');
    await createTopic(brokers, topic, 1);
    const reports = await lastValueFrom(
      range(0, 250).pipe(toKafka(producer, asMessage(topic), { batch: { size: 100, lingerMs: 5 } }), toArray()),
    );
    expect(reports.map((r) => r.items.length)).toEqual([100, 100, 50]);
    expect(reports.flatMap((r) => r.items)).toEqual([...Array(250).keys()]);
    expect(reports.every((r) => r.sink === 'kafka')).toBe(true);
    expect(reports.map((r) => r.offsets.map((o) => [o.topicName, o.partition, o.baseOffset]))).toEqual([
      [[topic, 0, '0']],
      [[topic, 0, '100']],
      [[topic, 0, '200']],
    ]);
    const records = await consumeAll(brokers, topic, 250);
    expect(records.map((r) => r.offset)).toEqual([...Array(250).keys()]);
    expect(records.map((r) => JSON.parse(r.value!).n)).toEqual([...Array(250).keys()]);
    expect(records[8]!.key).toBe('k1');
  });

  it('groups a batch per topic, keeping order within each, with headers and explicit partitions', async () => {
    const [a, b] = [uniqueTopic('to-kafka-a'), uniqueTopic('to-kafka-b')];
    await Promise.all([createTopic(brokers, a, 1), createTopic(brokers, b, 2)]);
    const reports = await lastValueFrom(
      range(0, 10).pipe(
        toKafka(producer, (n) =>
          n % 2 ? { topic: a, value: `${n}`, headers: { odd: 'yes' } } : { topic: b, value: `${n}`, partition: 1 },
        ),
        toArray(),
      ),
    );
    expect(reports).toHaveLength(1);
    expect(reports[0]!.offsets.map((o) => [o.topicName, o.partition]).sort()).toEqual([[a, 0], [b, 1]].sort());
    const [fromA, fromB] = await Promise.all([consumeAll(brokers, a, 5), consumeAll(brokers, b, 5)]);
    expect(fromA.map((r) => r.value)).toEqual(['1', '3', '5', '7', '9']);
    expect(fromA[0]!.headers).toEqual({ odd: 'yes' });
    expect(fromB.map((r) => [r.partition, r.value])).toEqual(['0', '2', '4', '6', '8'].map((v) => [1, v]));
  });

  it('makes one sendBatch per batch: 1000 items in batches of 100 are 10 calls', async () => {
    const topic = uniqueTopic('to-kafka-batches');
    await createTopic(brokers, topic, 1);
    const sendBatch = vi.spyOn(producer, 'sendBatch');
    try {
      const reports = await lastValueFrom(
        range(0, 1000).pipe(toKafka(producer, asMessage(topic), { batch: { size: 100, lingerMs: 1000 } }), toArray()),
      );
      expect(sendBatch).toHaveBeenCalledTimes(10);
      expect(reports).toHaveLength(10);
      for (const [call] of sendBatch.mock.calls) {
        expect(call.acks).toBe(-1);
        expect(call.topicMessages).toHaveLength(1);
        expect(call.topicMessages![0]!.messages).toHaveLength(100);
      }
    } finally {
      sendBatch.mockRestore();
    }
    expect(await consumeAll(brokers, topic, 1000)).toHaveLength(1000);
  });

  it('sends a request at most every intervalMs, holding what came meanwhile; without one, a request as soon as the previous is done', async () => {
    const topic = uniqueTopic('to-kafka-interval');
    await createTopic(brokers, topic, 1);
    // 60 items, one every 5 ms (300 ms), each run with its own spy
    const run = async (intervalMs: number) => {
      const sendBatch = vi.spyOn(producer, 'sendBatch');
      try {
        const reports = await lastValueFrom(
          interval(5).pipe(take(60), toKafka(producer, asMessage(topic), { batch: { size: 500, lingerMs: 1, intervalMs } }), toArray()),
        );
        const starts = sendBatch.mock.invocationCallOrder.length;
        return { calls: starts, items: reports.flatMap((r) => r.items) };
      } finally {
        sendBatch.mockRestore();
      }
    };
    const paced = await run(100);
    // at most one request per 100 ms over about 300 ms (and the last items' request)
    expect(paced.calls).toBeLessThanOrEqual(5);
    expect(paced.items).toEqual([...Array(60).keys()]);
    const eager = await run(0);
    expect(eager.items).toEqual([...Array(60).keys()]);
    expect(eager.calls).toBeGreaterThan(paced.calls);
    expect(await consumeAll(brokers, topic, 120)).toHaveLength(120);
  });

  it('reports a batch only after the broker acknowledged it: the records are there to read', async () => {
    const topic = uniqueTopic('to-kafka-ack');
    await createTopic(brokers, topic, 1);
    const admin = new Kafka({ clientId: 'vigie-test-ack', brokers }).admin();
    await admin.connect();
    const events: string[] = [];
    const original = producer.sendBatch;
    producer.sendBatch = async (batch) => {
      const result = await original(batch);
      events.push(`acknowledged ${batch.topicMessages![0]!.messages.length}`);
      return result;
    };
    try {
      const highWaterMarks = await lastValueFrom(
        from([...Array(30).keys()]).pipe(
          toKafka(producer, asMessage(topic), { batch: { size: 10, lingerMs: 5 } }),
          tap((report) => events.push(`reported ${report.items.length}`)),
          // the broker is asked only once the report is out: it must already hold the batch
          concatMap(async (report) => {
            const [partition] = await admin.fetchTopicOffsets(topic);
            return { end: Number(report.offsets[0]!.baseOffset) + report.items.length, high: Number(partition!.high) };
          }),
          toArray(),
        ),
      );
      expect(events).toEqual(['acknowledged 10', 'reported 10', 'acknowledged 10', 'reported 10', 'acknowledged 10', 'reported 10']);
      for (const { end, high } of highWaterMarks) expect(high).toBeGreaterThanOrEqual(end);
      expect(highWaterMarks.map((h) => h.end)).toEqual([10, 20, 30]);
    } finally {
      producer.sendBatch = original;
      await admin.disconnect();
    }
    const records = await consumeAll(brokers, topic, 30);
    expect(records.map((r) => JSON.parse(r.value!).n)).toEqual([...Array(30).keys()]);
  });

  it('uses an idempotent producer with one request in flight, which refuses to send without acks from all replicas', async () => {
    const made = vi.spyOn(Kafka.prototype, 'producer');
    const own = await createProducer(brokers, 'vigie-test-idempotence');
    try {
      expect(made).toHaveBeenCalledWith(expect.objectContaining({ idempotent: true, maxInFlightRequests: 1 }));
      expect(PRODUCER_CONFIG).toEqual({ idempotent: true, maxInFlightRequests: 1 });
      // kafkajs enforces acks = -1 only on idempotent producers
      await expect(own.send({ topic: uniqueTopic('to-kafka-idem'), acks: 1, messages: [{ value: 'x' }] })).rejects.toThrow(
        /idempotent/,
      );
    } finally {
      made.mockRestore();
      await own.disconnect();
    }
  });

  it('ends with SINK_WRITE_FAILED naming the topic when the error cannot be retried', async () => {
    const own = await createProducer(brokers, 'vigie-test-fail');
    await own.disconnect(); // kafkajs: "The producer is disconnected", marked retriable but hopeless
    const topic = uniqueTopic('to-kafka-fail');
    const error = await lastValueFrom(range(0, 3).pipe(toKafka(own, asMessage(topic), { retry: retryPolicy({ retries: 3 }) }))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VigieError);
    expect((error as VigieError).code).toBe('SINK_WRITE_FAILED');
    expect((error as VigieError).where).toEqual({ topic });
    expect((error as VigieError).message).toMatch(/could not write 3 messages to Kafka: The producer is disconnected/);
  });

  it('retries retriable errors, including kafkajs giving up on its own retries', async () => {
    const transient = Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError', retriable: true });
    const exhausted = Object.assign(new Error('Connection error'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      retriable: false,
      cause: transient,
    });
    expect(isRetriableKafkaError(transient)).toBe(true);
    expect(isRetriableKafkaError(exhausted)).toBe(true);
    expect(isRetriableKafkaError(Object.assign(new Error('too large'), { retriable: false }))).toBe(false);

    const topic = uniqueTopic('to-kafka-retry');
    await createTopic(brokers, topic, 1);
    const original = producer.sendBatch;
    let calls = 0;
    producer.sendBatch = async (batch) => {
      if (++calls <= 2) throw calls === 1 ? transient : exhausted;
      return original(batch);
    };
    const retries: number[] = [];
    try {
      const reports = await lastValueFrom(
        range(0, 5).pipe(
          toKafka(producer, asMessage(topic), {
            retry: retryPolicy({ initialDelayMs: 5, onRetry: (_e, attempt) => retries.push(attempt) }),
          }),
          toArray(),
        ),
      );
      expect(reports.flatMap((r) => r.items)).toEqual([0, 1, 2, 3, 4]);
    } finally {
      producer.sendBatch = original;
    }
    expect(retries).toEqual([1, 2]);
    expect((await consumeAll(brokers, topic, 5)).map((r) => r.value)).toEqual([0, 1, 2, 3, 4].map((n) => JSON.stringify({ n })));
  });
});
