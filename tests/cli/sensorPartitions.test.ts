/**
 * Issue 11, finding 4: `vigie detect sensors` kept one window per topic, so two partitions of one
 * topic (two sensors, or one sensor's series split by key) shared a window, filled in whatever
 * order the consumer fetched them, and each got detections that belonged to neither. Here kcat
 * writes two series far apart, one per partition, before vigie starts, so that its fetches mix
 * them: the detections stored for each partition must be those of its series alone.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { SensorRecord } from '../../src/operators/parseKafkaReading.ts';
import { sensorRecordAnomalies } from '../../src/streams/sensorAnomalies.ts';
import { freshDatabase } from '../helpers/database.ts';
import { createTopic, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const COUNT = 60;
// Two sensors at levels far apart, each with spikes of its own: a window holding both is wrong for each.
const series = (level: number, spikes: number[]) => Array.from({ length: COUNT }, (_, i) => String(level + (spikes.includes(i) ? 40 : (i % 7) * 0.1)));
const partitions = [series(10, [15, 40]), series(1000, [9, 33, 34])];
const detectorOptions = { window: 8, dbscan: { eps: 0.5, minSamples: 3 }, isolationForest: { trees: 50, sampleSize: 256, seed: 3, threshold: 0.6 } };

describe('two partitions of one sensor topic', () => {
  it('each get the detections of their series alone', async () => {
    const brokers = inject('kafkaBrokers');
    const dir = await mkdtemp(join(tmpdir(), 'vigie-partitions-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const topic = uniqueTopic('humidite');
    await createTopic(brokers, topic, 2);
    partitions.forEach((values, partition) =>
      execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic, '-p', String(partition)], { input: `${values.join('\n')}\n` }),
    );

    const detect = vigie(['detect', 'sensors', '--topic', topic, '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', join(dir, 'vigie'),
      '--window', '8', '--dbscan-eps', '0.5', '--dbscan-min-samples', '3', '--iforest-trees', '50', '--seed', '3', '--iforest-threshold', '0.6']);
    const rows = await until(`every detection in PostgreSQL (output: ${detect.output()})`, async () => {
      if (detect.proc.exitCode !== null) throw new Error(`vigie exited ${detect.proc.exitCode}: ${detect.output()}`);
      const { rows } = await db.pool.query<{ partition: number; offset: number; detector: string; value: number; state: number; score: number | null }>(
        `SELECT source_partition AS partition, source_offset::int AS offset, detector, value, state, score
         FROM sensor_detections WHERE source = $1 ORDER BY 1, 2, 3`,
        [topic],
      );
      return rows.length >= 2 * 2 * COUNT ? rows : undefined;
    }, 90_000);
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);

    for (const [partition, values] of partitions.entries()) {
      const records = values.map((value, offset): SensorRecord => ({ topic, key: null, value: Buffer.from(value), timestamp: 0, ref: { source: topic, partition, offset } }));
      const alone = (await lastValueFrom(sensorRecordAnomalies(from(records), detectorOptions).pipe(toArray())))
        .flatMap((e) => (e.kind === 'detection' ? [e.detection] : []))
        .sort((a, b) => a.ref.offset - b.ref.offset || a.detector.localeCompare(b.detector));
      expect(alone.some((d) => d.state === -1)).toBe(true);
      expect(rows.filter((r) => r.partition === partition).map(({ offset, detector, value, state, score }) => ({ offset, detector, value, state, score }))).toEqual(
        alone.map((d) => ({ offset: d.ref.offset, detector: d.detector, value: d.value, state: d.state, score: d.score })),
      );
    }
  }, 150_000);
});
