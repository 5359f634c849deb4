/**
 * Kafka for test files: topics of their own on the run's shared broker (test files run in
 * parallel and must not read each other's records), and a consumer that waits for the records
 * to arrive instead of sleeping for a guessed time.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';

const client = (brokers: readonly string[]): Kafka =>
  new Kafka({ clientId: 'vigie-test', brokers: [...brokers], logLevel: logLevel.NOTHING });

/** `<prefix>-<random hex>`: a topic no other test touches. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Creates the topic (with topic configs such as `max.message.bytes`) and waits until every partition has a leader, so a produce at once succeeds. */
export async function createTopic(brokers: readonly string[], topic: string, partitions = 1, configs: Readonly<Record<string, string>> = {}): Promise<void> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** A record as read back, with where it is. */
export interface ConsumedRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  /** The value's exact bytes (empty when it had none). */
  readonly bytes: Buffer;
  readonly headers: Record<string, string>;
}

/**
 * Reads the topic from the beginning until `count` records arrived, in a consumer group of its
 * own; rejects, saying how many came, when they did not within `timeoutMs`. Sorted by partition,
 * then offset (the order within each partition).
 */
export async function consumeAll(
  brokers: readonly string[],
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<ConsumedRecord[]> {
  const consumer = client(brokers).consumer({ groupId: uniqueTopic('vigie-test-group'), maxWaitTimeInMs: 100 });
  const records: ConsumedRecord[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.push(toRecord(partition, message));
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (records.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`consumed ${records.length} of ${count} records from ${topic} within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await consumer.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

function toRecord(partition: number, message: KafkaMessage): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = value.toString();
  }
  return {
    partition,
    offset: Number(message.offset),
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? null,
    bytes: message.value ?? Buffer.alloc(0),
    headers,
  };
}

/** The offsets a consumer group committed on a topic, by partition (-1: none). */
export async function committedOffsets(brokers: readonly string[], groupId: string, topic: string): Promise<number[]> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (committed?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  } finally {
    await admin.disconnect();
  }
}

/** Every record the topic holds now (up to its end offsets), read back as {@link consumeAll} does. */
export async function consumeToEnd(brokers: readonly string[], topic: string, timeoutMs = 20_000): Promise<ConsumedRecord[]> {
  const admin = client(brokers).admin();
  await admin.connect();
  let total = 0;
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high) - Number(p.low);
  } finally {
    await admin.disconnect();
  }
  return consumeAll(brokers, topic, total, timeoutMs);
}

/** A record to produce: its key, value, and event time as the Kafka timestamp (epoch ms). */
export interface OutgoingRecord {
  readonly key: string;
  /** Text, or exact bytes (a poison record). */
  readonly value: string | Buffer;
  readonly timestamp?: number;
}

/**
 * Produces the records in this order (each key to the partition the default partitioner gives
 * it, so one key's records keep their order), in batches, acknowledged by every replica.
 */
export async function produceAll(brokers: readonly string[], topic: string, records: readonly OutgoingRecord[]): Promise<void> {
  const producer = client(brokers).producer();
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 2000) {
      const messages = records.slice(i, i + 2000).map((r) => ({
        key: r.key,
        value: r.value,
        ...(r.timestamp === undefined ? {} : { timestamp: String(r.timestamp) }),
      }));
      await producer.send({ topic, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/** How many records of the topic the group has not committed yet (all of them when it committed none). */
export async function groupLag(brokers: readonly string[], groupId: string, topic: string): Promise<number> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    let lag = 0;
    for (const p of ends) lag += Number(p.high) - Math.max(at.get(p.partition) ?? -1, Number(p.low));
    return lag;
  } finally {
    await admin.disconnect();
  }
}

/**
 * For `until`: true once the group's lag on the topic is at most `lag`; undefined before, and
 * while the group's coordinator is not ready (a group that has not committed yet, a rebalance).
 */
export const lagAtMost = (brokers: readonly string[], groupId: string, topic: string, lag = 0) => async (): Promise<true | undefined> =>
  (await groupLag(brokers, groupId, topic).catch(() => Number.POSITIVE_INFINITY)) <= lag ? true : undefined;

/**
 * For topics of records stamped with a fixed date: the broker deletes by their timestamps, so
 * records of last year would go at its next retention check (every 5 min), in the middle of a test.
 */
export const KEEP_FOREVER = { 'retention.ms': '-1' } as const;

/** Produces each record to the partition it names, with its headers: what a client that sets them does. */
export async function produceToPartitions(
  brokers: readonly string[],
  topic: string,
  records: readonly { readonly partition: number; readonly key: string; readonly value: Buffer; readonly headers: Readonly<Record<string, string>> }[],
): Promise<void> {
  const producer = client(brokers).producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: records.map((r) => ({ ...r, headers: { ...r.headers } })) });
  } finally {
    await producer.disconnect();
  }
}
