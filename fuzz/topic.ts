/**
 * The fuzzed topic's side of a CLI run: records produced as another client would (kcat), and
 * the offsets read back (the topic's end, a group's commit).
 */
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import type { Kafka, Producer } from 'kafkajs';
import type { FuzzCase } from './arbitraries/fuzzCase.ts';

const run = promisify(execFile);

/** Records per kcat call at most: one file each, so kcat sends each whole whatever bytes it holds. */
export const MAX_CHUNK = 200;

/**
 * Produces `cases` to partition 0, in order (offset = index), with kcat. Each call gives its
 * records one text key and headers drawn from the seed: kcat takes them on its command line.
 * kcat sends no empty value, so empty values and tombstones go by kafkajs, in their place.
 */
export async function produce(brokers: readonly string[], producer: Producer, topic: string, dir: string, cases: readonly FuzzCase[], from: number, seed: number): Promise<void> {
  const [key, headers] = fc.sample(fc.tuple(fc.stringMatching(/^[^\0]{0,16}$/), fc.array(fc.tuple(fc.stringMatching(/^[a-z][a-z-]{0,8}$/), fc.stringMatching(/^[^\0]{0,16}$/)), { maxLength: 2 })), { seed: seed + from, numRuns: 1 })[0]!;
  const args = ['-P', '-b', brokers.join(','), '-t', topic, '-p', '0', '-X', 'message.max.bytes=2000000', ...(key ? ['-k', key] : []), ...headers.flatMap(([n, v]) => ['-H', `${n}=${v}`])];
  for (let i = 0; i < cases.length; ) {
    if (cases[i]!.bytes.length === 0) {
      await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: cases[i]!.tombstone ? null : Buffer.alloc(0) }] });
      i++;
      continue;
    }
    const files: string[] = [];
    for (; i < cases.length && cases[i]!.bytes.length > 0; i++) {
      files.push(join(dir, `r${from + i}`));
      await writeFile(files.at(-1)!, cases[i]!.bytes);
    }
    await run('kcat', [...args, ...files], { maxBuffer: 1 << 24 });
    await Promise.all(files.map((f) => rm(f)));
  }
}

/** The topic's end offset on partition 0: how many records it holds. */
export async function endOffset(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return Number((await admin.fetchTopicOffsets(topic)).find((p) => p.partition === 0)?.high ?? -1);
  } finally {
    await admin.disconnect();
  }
}

export async function committed(kafka: Kafka, group: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return Number(offsets?.partitions[0]?.offset ?? -1);
  } catch {
    return -1;
  } finally {
    await admin.disconnect();
  }
}

