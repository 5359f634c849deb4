/** A topic read back whole, as it stands: every record up to the end offsets taken at the start. */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { sleep } from './producers.ts';

export interface StoredRecord {
  readonly partition: number;
  readonly offset: number;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

export async function readTopic(brokers: string[], topic: string, timeoutMs = 60_000): Promise<StoredRecord[]> {
  const kafka = new Kafka({ clientId: 'chaos-audit', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const exists = (await admin.listTopics()).includes(topic);
  const ends = exists ? await admin.fetchTopicOffsets(topic) : [];
  await admin.disconnect();
  const remaining = new Map(ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]));
  const records: StoredRecord[] = [];
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `chaos-audit-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset);
        const end = remaining.get(partition);
        if (end === undefined || offset >= end) return;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
        records.push({ partition, offset, value: message.value ?? Buffer.alloc(0), headers });
        if (offset === end - 1) remaining.delete(partition);
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (remaining.size > 0 && Date.now() < deadline) await sleep(100);
    if (remaining.size > 0) throw new Error(`could not read ${topic} to its end within ${timeoutMs} ms`);
  } finally {
    await consumer.disconnect();
  }
  return records;
}
