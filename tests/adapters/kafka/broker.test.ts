/**
 * `startKafkaBroker` for real, on a broker of this file's own (the run's shared broker may be an
 * outside one, given by `KAFKA_BROKERS`): a development broker must not be reachable from the
 * network, so both its listeners bind 127.0.0.1, and it advertises 127.0.0.1 to clients.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafkaBroker } from '../../../src/adapters/kafka/broker.ts';
import { createProducer } from '../../../src/adapters/kafka/producer.ts';
import { consumeAll, uniqueTopic } from '../../helpers/kafka.ts';

let dir = '';
let broker: KafkaBroker | null = null;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigie-broker-test-'));
  broker = await startKafkaBroker({ dataDir: dir });
}, 90_000);

afterAll(async () => {
  await broker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * The local addresses listening on `port`, from `ss -ltn`. Java binds an IPv6 socket to the
 * IPv4-mapped address `[::ffff:127.0.0.1]`, which is 127.0.0.1 as well: shown as such.
 */
function listeners(port: number): string[] {
  const out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => line.trim().split(/\s+/)[3]!.replace(/^\[::ffff:(127\.0\.0\.1)\]/, '$1'));
}

describe('startKafkaBroker', () => {
  it('listens on 127.0.0.1 only, for clients and for its controller', async () => {
    const properties = await readFile(path.join(dir, 'server.properties'), 'utf8');
    const ports = [...properties.matchAll(/^listeners=(.*)$/gm)][0]![1]!.split(',').map((l) => Number(l.split(':').at(-1)));
    expect(ports).toHaveLength(2);
    expect(ports).toContain(broker!.port);
    for (const port of ports) expect(listeners(port)).toEqual([`127.0.0.1:${port}`]);
    expect(broker!.brokers).toEqual([`127.0.0.1:${broker!.port}`]);
  });

  it('advertises 127.0.0.1 in its metadata', async () => {
    const admin = new Kafka({ clientId: 'vigie-test-broker', brokers: broker!.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: broker!.port }]);
    } finally {
      await admin.disconnect();
    }
  });

  it('takes records and gives them back, creating the topic on first use', async () => {
    const topic = uniqueTopic('broker-round-trip');
    const producer = await createProducer(broker!.brokers, 'vigie-test-broker');
    try {
      await producer.send({ topic, messages: [{ key: 'a', value: 'one' }, { key: 'b', value: 'two' }] });
    } finally {
      await producer.disconnect();
    }
    const records = await consumeAll(broker!.brokers, topic, 2);
    expect(records.map((r) => [r.partition, r.offset, r.key, r.value])).toEqual([
      [0, 0, 'a', 'one'],
      [0, 1, 'b', 'two'],
    ]);
  });
});
