/**
 * What `toKafka` needs of any producer (kafkajs's in a thread, @platformatic/kafka's), against the
 * run's real broker: every message in order with its key, headers and exact bytes and the offsets
 * reported; a batch too large for its topic split, which needs the error's type; the brokers named
 * when none answers; a disconnect and a new connect (what toKafka does after an outage), and no
 * send once closed. Each producer's test file calls it with its factory.
 */
import { lastValueFrom, range, toArray } from 'rxjs';
import { expect, inject, it } from 'vitest';
import type { BatchProducer } from '../../../src/adapters/kafka/producer.ts';
import { toKafka } from '../../../src/adapters/kafka/toKafka.ts';
import { VigieError } from '../../../src/errors.ts';
import { type RetryPolicy, retryPolicy } from '../../../src/retry.ts';
import { consumeAll, createTopic, uniqueTopic } from '../../helpers/kafka.ts';

export type ClosableFactory = (brokers: readonly string[], clientId: string, options?: { retry?: RetryPolicy }) => Promise<BatchProducer & { close(): Promise<void> }>;

/** `closed`: what a send says once the producer is closed. */
/**
 * `reconnects`: a send after `disconnect` (another sink's outage handling on a shared producer)
 * reconnects and goes through, as the light producer does; kafkajs's refuses it.
 */
export function batchProducerContract(create: ClosableFactory, prefix: string, closed: string | RegExp, reconnects = false): void {
  const brokers = inject('kafkaBrokers');
  const clientId = `vigie-test-${prefix}`;
  const withProducer = async <T>(work: (producer: BatchProducer) => Promise<T>): Promise<T> => {
    const producer = await create(brokers, clientId);
    try {
      return await work(producer);
    } finally {
      await producer.close();
    }
  };

  it('delivers every message in order with its key, headers and exact bytes, and reports the offsets', async () => {
    const topic = uniqueTopic(`${prefix}-order`);
    await createTopic(brokers, topic, 1);
    const bytes = Buffer.from([0x00, 0xff, 0x7b, 0x0a]);
    const reports = await withProducer((producer) =>
      lastValueFrom(
        range(0, 250).pipe(
          toKafka(producer, (n) => ({ topic, key: `k${n % 7}`, value: n === 3 ? bytes : JSON.stringify({ n }), headers: { 'vigie-alert-id': `a${n}` } }), {
            batch: { size: 100, lingerMs: 5 },
          }),
          toArray(),
        ),
      ),
    );
    expect(reports.map((r) => r.items.length)).toEqual([100, 100, 50]);
    expect(reports.map((r) => r.offsets.map((o) => [o.partition, o.baseOffset]))).toEqual([[[0, '0']], [[0, '100']], [[0, '200']]]);
    const records = await consumeAll(brokers, topic, 250);
    expect(records.map((r) => r.headers['vigie-alert-id'])).toEqual([...Array(250).keys()].map((n) => `a${n}`));
    expect(records[8]!.key).toBe('k1');
    expect(records[5]!.value).toBe(JSON.stringify({ n: 5 }));
    expect(records[3]!.value).toBe(bytes.toString()); // not "0,255,123,10": a Buffer stays bytes (across a thread too)
  });

  it('splits a batch the broker finds too large, as the error says its type', async () => {
    const topic = uniqueTopic(`${prefix}-large`);
    await createTopic(brokers, topic, 1, { 'max.message.bytes': '65536' });
    const big = 'x'.repeat(30_000);
    const reports = await withProducer((producer) =>
      lastValueFrom(range(0, 6).pipe(toKafka(producer, (n) => ({ topic, value: `${n}${big}` }), { batch: { size: 6, lingerMs: 50 } }), toArray())),
    );
    expect(reports.flatMap((r) => r.items)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reports.length).toBeGreaterThan(1);
    expect((await consumeAll(brokers, topic, 6)).map((r) => r.value!.slice(0, 1))).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  it('says which brokers it could not reach', async () => {
    const started = Date.now();
    const error = await create(['127.0.0.1:1'], clientId, { retry: retryPolicy({ retries: 0 }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VigieError);
    expect((error as VigieError).code).toBe('KAFKA_UNAVAILABLE');
    expect((error as VigieError).message).toMatch(/cannot reach Kafka at 127\.0\.0\.1:1/);
    expect(Date.now() - started).toBeLessThan(120_000);
  });

  it('disconnects and connects again (what toKafka does after an outage), and refuses to send once closed', async () => {
    const topic = uniqueTopic(`${prefix}-reconnect`);
    await createTopic(brokers, topic, 1);
    const producer = await create(brokers, clientId);
    const send = () => producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: [{ value: 'x' }] }] });
    await producer.disconnect();
    if (reconnects) {
      await send();
    } else {
      // kafkajs's own words, which toKafka does not retry (isRetriableKafkaError)
      await expect(send()).rejects.toThrow('The producer is disconnected');
    }
    await producer.connect();
    await send();
    expect(await consumeAll(brokers, topic, reconnects ? 2 : 1)).toHaveLength(reconnects ? 2 : 1);
    await producer.close();
    await expect(send()).rejects.toThrow(closed);
  });
}
