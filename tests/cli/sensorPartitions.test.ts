/**
 * Issue 11, finding 4, as `vigie detect sensors` runs: kcat writes two series far apart, one per
 * partition of a topic, each with spikes of its own, before vigie starts, so that its fetches mix
 * them; every detection stored must be the one that series gets alone, through the flow
 * in-process. Before, one window per topic mixed the partitions in fetch order.
 * (Restarts and partition moves: tests/cli/stateIdentity.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { SensorRecord } from '../../src/operators/parseKafkaReading.ts';
import { type SensorAnomaliesOptions, sensorRecordAnomalies } from '../../src/streams/sensorAnomalies.ts';
import { freshDatabase } from '../helpers/database.ts';
import { createTopic, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const COUNT = 60;
const series = (level: number, spikes: number[]) => Array.from({ length: COUNT }, (_, i) => String(level + (spikes.includes(i) ? 40 : (i % 7) * 0.1)));
const partitions = [series(10, [15, 40]), series(1000, [9, 33, 45])];

/** A 2-partition topic, a database and a folder of the test's own, and what the test needs of them. */
async function setUp() {
  const brokers = inject('kafkaBrokers');
  const dir = await mkdtemp(join(tmpdir(), 'vigie-sensor-series-'));
  await chmod(dir, 0o755);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  const topic = uniqueTopic('humidite');
  await createTopic(brokers, topic, 2);
  return {
    brokers,
    topic,
    args: (flags: string[]) => ['detect', 'sensors', '--topic', topic, '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', join(dir, 'vigie'), ...flags],
    /** Readings `from` to `to` of each series, to its partition. */
    produce(from: number, to: number): void {
      partitions.forEach((values, partition) =>
        execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic, '-p', String(partition)], { input: `${values.slice(from, to).join('\n')}\n` }),
      );
    },
    async rows() {
      const { rows } = await db.pool.query<{ partition: number; offset: number; detector: string; value: number; state: number; score: number | null }>(
        `SELECT source_partition AS partition, source_offset::int AS offset, detector, value, state, score
         FROM sensor_detections WHERE source = $1 ORDER BY 1, 2, 3`,
        [topic],
      );
      return rows;
    },
  };
}

/** Each partition's rows equal its series alone through the flow with `options` (what the flags said). */
async function expectEachSeriesAlone(topic: string, rows: Awaited<ReturnType<Awaited<ReturnType<typeof setUp>>['rows']>>, options: SensorAnomaliesOptions) {
  for (const [partition, values] of partitions.entries()) {
    const records = values.map((value, offset): SensorRecord => ({ topic, key: null, value: Buffer.from(value), timestamp: 0, ref: { source: topic, partition, offset } }));
    const alone = (await lastValueFrom(sensorRecordAnomalies(from(records), options).pipe(toArray())))
      .flatMap((e) => (e.kind === 'detection' ? [e.detection] : []))
      .sort((a, b) => a.ref.offset - b.ref.offset || a.detector.localeCompare(b.detector));
    expect(alone.some((d) => d.state === -1)).toBe(true);
    expect(rows.filter((r) => r.partition === partition).map(({ offset, detector, value, state, score }) => ({ offset, detector, value, state, score }))).toEqual(
      alone.map((d) => ({ offset: d.ref.offset, detector: d.detector, value: d.value, state: d.state, score: d.score })),
    );
  }
}

describe('two partitions of one sensor topic', () => {
  it('each get the detections of their series alone, whatever the order they are fetched in', async () => {
    const { topic, args, produce, rows } = await setUp();
    produce(0, COUNT); // all before vigie starts, so that its fetches mix the partitions
    const detect = vigie(args(['--window', '8', '--dbscan-eps', '0.5', '--dbscan-min-samples', '3', '--iforest-trees', '50', '--seed', '3', '--iforest-threshold', '0.6']));
    const stored = await until(`every detection in PostgreSQL (output: ${detect.output()})`, async () => {
      if (detect.proc.exitCode !== null) throw new Error(`vigie exited ${detect.proc.exitCode}: ${detect.output()}`);
      const all = await rows();
      return all.length >= 2 * 2 * COUNT ? all : undefined;
    }, 90_000);
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);
    await expectEachSeriesAlone(topic, stored, { window: 8, dbscan: { eps: 0.5, minSamples: 3 }, isolationForest: { trees: 50, sampleSize: 256, seed: 3, threshold: 0.6 } });
  }, 150_000);
});
