/**
 * `vigie detect` serves the dashboard and the metrics too, with the consumer lag of the
 * partitions it reads.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../helpers/database.ts';
import { uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const sample = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

/** A broker, a data dir, a database and a topic of the test's own, removed after. */
async function ready() {
  const brokers = inject('kafkaBrokers');
  const dir = await mkdtemp(join(tmpdir(), 'vigie-watch-'));
  await chmod(dir, 0o755);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  return { brokers, dir, db, topic: uniqueTopic('humidite') };
}

describe('detect sensors, watched', () => {
  it('serves /metrics with records counted and the consumer lag', async () => {
    const { brokers, dir, db, topic } = await ready();
    const values = Array.from({ length: 300 }, (_, i) => (50 + (i % 7) / 10).toFixed(2));
    execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic], { input: `${values.join('\n')}\n` });

    const detect = vigie(['detect', 'sensors', '--topic', topic, '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', dir]);
    const url = await until('the dashboard address', async () => /Dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(detect.output())?.[1]);
    const metrics = await until('every reading counted and its detections written', async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const read = sample(text, 'vigie_records_in_total{stage="readings"}') ?? 0;
      const written = sample(text, 'vigie_stage_latency_seconds_count{stage="write"}') ?? 0;
      return read >= values.length && written >= 2 * values.length ? text : undefined;
    });
    expect(metrics).toMatch(/# TYPE vigie_consumer_lag gauge/);
    for (const stage of ['detect', 'write']) expect(sample(metrics, `vigie_stage_latency_seconds_count{stage="${stage}"}`)).toBe(2 * values.length);
    expect(sample(metrics, `vigie_consumer_lag{topic="${topic}",partition="0"}`)).toBe(0); // all read
    expect(sample(metrics, 'vigie_records_out_total{stage="detections"}')).toBe(2 * values.length);
    expect((await (await fetch(url)).text())).toMatch(/consumer lag/);
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);
  }, 90_000);

  it('on another address than loopback, requires a token it generates and prints once', async () => {
    const { brokers, dir, db, topic } = await ready();
    const detect = vigie(['detect', 'sensors', '--topic', topic, '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', dir, '--dashboard-host', '0.0.0.0']);
    const [, url, token] = await until('the dashboard address and its token', async () => /Dashboard: (http:\/\/0\.0\.0\.0:\d+)\/\?token=(\S+) \(not on loopback: a token is required/.exec(detect.output()) ?? undefined);
    const local = url!.replace('0.0.0.0', '127.0.0.1');
    expect((await fetch(`${local}/metrics`)).status).toBe(401);
    expect((await fetch(`${local}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);
    // shown once, at start
    expect(detect.output().split(token!).length - 1).toBe(1);
  }, 90_000);
});
