/**
 * What the Kafka benchmark puts in and reads back: the bridge's payload (a sensor value as UTF-8
 * text, no key, on the topic named like the sensor), the topics, the pre-produced backlog, and the
 * checks that nothing was lost (rows in PostgreSQL, offsets committed).
 */
import { Kafka, type Message, logLevel } from 'kafkajs';
import type pg from 'pg';
import { progress } from '../../src/cli/progress.ts';
import { seededRandom } from '../../src/random.ts';
import { retryAsync, retryPolicy } from '../../src/retry.ts';

/** Header of a live record: when the producer sent it (epoch ms); the record's own timestamp is the broker's. */
export const SENT_AT = 'vigie-bench-sent-at';
/** Header: the wall-clock time the producer handed the record to its client (Kafka's CreateTime, were the topic not on append time). */
export const PRODUCED_AT = 'vigie-bench-produced-at';

export const kafkaClient = (brokers: readonly string[], clientId = 'vigie-bench'): Kafka =>
  new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.NOTHING });

/**
 * Values as the simulated Arduino prints them: around 50 with Gaussian noise and 1% spikes, two
 * decimals. Seeded, so every run feeds DBSCAN the same series.
 */
export function sensorValues(seed: number): () => string {
  const random = seededRandom(seed);
  return () => (50 + random.normal() + (random.next() < 0.01 ? 10 : 0)).toFixed(2);
}

/**
 * Unless it exists. One partition by default: the offset-indexed timing arrays rely on it. `appendTime`: records
 * carry the broker's append time as their timestamp (LogAppendTime) instead of the producer's.
 */
export async function createTopic(brokers: readonly string[], topic: string, appendTime = false, numPartitions = 1): Promise<void> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    const configEntries = appendTime ? [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] : [];
    // On a loaded machine the metadata right after a creation can still say "unknown topic", to
    // the creation's own wait or to the next client: retried until the broker knows the topic.
    await retryAsync(retryPolicy({ retries: 8, retriable: (error) => (error as { retriable?: unknown } | null)?.retriable === true }), async () => {
      await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1, configEntries }], waitForLeaders: true });
      await admin.fetchTopicMetadata({ topics: [topic] });
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Writes `count` records before anything is timed, in sends of 2 000 (kafkajs groups a send's
 * messages in quadratic time), acknowledged by the broker. `next`: each record's value (sensor
 * values by default).
 */
export async function produceBacklog(brokers: readonly string[], topic: string, count: number, next: () => string = sensorValues(1)): Promise<void> {
  const producer = kafkaClient(brokers).producer();
  await producer.connect();
  const bar = progress('bench: producing the backlog', { total: count });
  try {
    for (let sent = 0; sent < count; ) {
      const messages: Message[] = [];
      const timestamp = String(Date.now());
      for (let i = 0; i < 2_000 && sent + i < count; i++) messages.push({ value: next(), timestamp });
      await producer.send({ topic, acks: -1, messages });
      sent += messages.length;
      bar.update(sent);
    }
    bar.finish();
  } finally {
    await producer.disconnect();
  }
}

/** Rows of `topic` in `table` (vigie's `sensor_detections` or the hand-written pipeline's): one per record with DBSCAN as the only detector. */
export async function countRows(pool: pg.Pool, topic: string, table = 'sensor_detections'): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE topic = $1`, [topic]);
  return Number(rows[0]?.n ?? 0);
}

/** The offset the group committed on the topic's only partition (-1 when none). */
export async function committedOffset(brokers: readonly string[], groupId: string, topic: string): Promise<number> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(entry?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Resolves once the group is stable with a member, so that records produced from now on are read
 * live rather than found as a backlog by a consumer still joining.
 */
export async function waitForGroup(brokers: readonly string[], groupId: string, timeoutMs = 30_000): Promise<void> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { groups } = await admin.describeGroups([groupId]);
      const group = groups[0];
      if (group?.state === 'Stable' && group.members.length > 0) return;
      if (Date.now() > deadline) throw new Error(`consumer group ${groupId} not stable within ${timeoutMs} ms (${group?.state})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await admin.disconnect();
  }
}

/** The benchmark's topics, when they are on someone else's broker. */
export async function deleteTopics(brokers: readonly string[], topics: string[]): Promise<void> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

/** The benchmark's rows and tables, when they are in someone else's database. */
export async function deleteRows(pool: pg.Pool, topics: readonly string[], tables: readonly string[] = []): Promise<void> {
  for (const table of tables) await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.query('DELETE FROM sensor_detections WHERE topic = ANY($1::text[])', [topics]);
  await pool.query('DELETE FROM dead_letters WHERE source = ANY($1::text[])', [topics]);
}
