/**
 * `vigie detect sensors --topic a,b`: one process reads both topics (the Arduino's humidite and
 * temperature), each topic's windows apart and its logs under its own name, as two processes
 * would. Issue 13, finding 4: `--topic` took one name, and `a,b` was taken as one topic's.
 * Both topics' readings have the same record key: had their windows been shared, each topic
 * would have fewer than 20 initialising readings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../helpers/database.ts';
import { createTopic, produceAll, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const READINGS = 40;

describe('vigie detect sensors --topic a,b', () => {
  it('reads both topics in one process, each with windows and logs of its own', async () => {
    const brokers = inject('kafkaBrokers');
    const dir = await mkdtemp(join(tmpdir(), 'vigie-topics-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const topics = [uniqueTopic('humidite'), uniqueTopic('temperature')];
    for (const topic of topics) await createTopic(brokers, topic);

    const detect = vigie(['detect', 'sensors', '--topic', topics.join(','), '--kafka', brokers.join(','), '--from', 'earliest', '--database-url', db.url, '--data-dir', dir]);
    for (const [t, topic] of topics.entries()) {
      await produceAll(brokers, topic, Array.from({ length: READINGS }, (_, i) => ({ key: 'arduino', value: (t === 0 ? 55 + (i % 3) : 21 + (i % 2)).toFixed(2) })));
    }
    const counts = await until(
      'every reading of both topics detected',
      async () => {
        const { rows } = await db.pool.query<{ source: string; detector: string; initialising: number; n: number }>(
          `SELECT source, detector, count(*) FILTER (WHERE state = -2)::int AS initialising, count(*)::int AS n
           FROM sensor_detections GROUP BY 1, 2 ORDER BY 1, 2`,
        );
        return rows.length === 4 && rows.every((r) => r.n === READINGS) ? rows : undefined;
      },
      90_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${detect.output()}`);
    });
    // a window of 21 per topic: the first 20 of each topic fill it, whatever the other topic did
    expect(counts.map((r) => [r.source, r.detector, r.initialising])).toEqual(
      [...topics].sort().flatMap((topic) => [[topic, 'dbscan', 20], [topic, 'isolation-forest', 20]]),
    );
    for (const topic of topics) {
      const log = join(dir, 'logs', `${topic}-detections.jsonl`);
      await until(`${topic}'s log`, async () => (existsSync(log) && readFileSync(log, 'utf8').trim().split('\n').length === 2 * READINGS ? true : undefined), 30_000);
      const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { topic: string });
      expect(new Set(lines.map((d) => d.topic))).toEqual(new Set([topic]));
    }
    detect.proc.kill('SIGINT');
    expect(await detect.exit, detect.output()).toBe(0);
  }, 150_000);
});
