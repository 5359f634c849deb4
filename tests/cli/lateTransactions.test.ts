/**
 * Issue 19, finding 8: a transaction behind its partition's watermark was judged and counted, but
 * never logged with where it was, and `/metrics` counted all partitions as one. Here kcat puts
 * late transactions (an hour behind the others, one in ISO 8601) on two partitions: vigie logs
 * each partition's late ones with their topic, partition, offsets and how far behind the
 * watermark, and `/metrics` counts them per partition.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../helpers/database.ts';
import { committedOffsets, createTopic, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const BASE = Date.UTC(2026, 2, 1, 10, 0, 0);
const seed = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const tx = (n: number, timestamp: string): string =>
  JSON.stringify({ id: 1000 + n, transaction_id: 50_000 + n, amount: 500, currency: 'XAF', timestamp });

/** 40 transactions a second apart, then those at `late` (the texts of their timestamps), then 5 more. */
function partition(from: number, late: string[]): string[] {
  const on = Array.from({ length: 40 }, (_, i) => tx(from + i, seed(BASE + i * 1000)));
  late.forEach((timestamp, i) => on.push(tx(from + 100 + i, timestamp)));
  for (let i = 40; i < 45; i++) on.push(tx(from + i, seed(BASE + i * 1000)));
  return on;
}

describe('late transactions (issue 19, finding 8)', () => {
  it('are logged with their coordinates and counted per partition in /metrics', async () => {
    const brokers = inject('kafkaBrokers');
    const dir = await mkdtemp(join(tmpdir(), 'vigie-late-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const topic = uniqueTopic('transaction');
    const group = uniqueTopic('vigie-late');
    await createTopic(brokers, topic, 2);
    // an hour before the first: 3 600 s + 9 s behind the watermark (the 40th at 39 s, less 30 s of lateness)
    const hourBefore = seed(BASE - 3_600_000);
    const partitions = [partition(0, [hourBefore, '2026-03-01T09:00:00Z', hourBefore]), partition(1000, ['2026-03-01T10:00:00+01:00'])];
    partitions.forEach((messages, p) =>
      execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic, '-p', String(p)], { input: `${messages.join('\n')}\n` }));

    const detect = vigie(['detect', 'transactions', '--topic', topic, '--group', group, '--kafka', brokers.join(','), '--database-url', db.url,
      '--data-dir', join(dir, 'vigie'), '--alerts-topic', uniqueTopic('transaction.alerts'), '--dlq-topic', uniqueTopic('transaction.dlq')]);
    const url = await until('the dashboard address', async () => /Dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(detect.output())?.[1]);
    await until('the offsets committed to the end', async () => {
      if (detect.proc.exitCode !== null) throw new Error(`vigie exited ${detect.proc.exitCode}: ${detect.output()}`);
      const committed = await committedOffsets(brokers, group, topic);
      return committed[0] === partitions[0]!.length && committed[1] === partitions[1]!.length ? true : undefined;
    });

    // each partition's late ones: the first line at once, the rest within a second, each with its offsets
    const lines = (p: number) => detect.output().split('\n').filter((l) => l.includes(`late: `) && l.includes(` on ${topic}/${p} `));
    await until('every late transaction logged', async () => {
      const counted = (p: number) => lines(p).reduce((n, l) => n + Number(/late: (\d+) transaction/.exec(l)![1]), 0);
      return counted(0) === 3 && counted(1) === 1 ? true : undefined;
    }, 10_000);
    expect(lines(0)[0]).toMatch(new RegExp(`late: 1 transaction on ${topic}/0 \\(offset 40\\), 3609s behind the watermark$`));
    const offsets = lines(0).flatMap((l) => /\(offsets? ([\d, ]+)\)/.exec(l)![1]!.split(', ').map(Number));
    expect(offsets).toEqual([40, 41, 42]);
    expect(lines(0).slice(1).every((l) => / since the last line \(/.test(l) && /3609s behind the watermark$/.test(l))).toBe(true);
    expect(lines(1)).toEqual([expect.stringMatching(new RegExp(`late: 1 transaction on ${topic}/1 \\(offset 40\\), 3609s behind the watermark$`))]);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain(`vigie_late_transactions_total{topic="${topic}",partition="0"} 3`);
    expect(metrics).toContain(`vigie_late_transactions_total{topic="${topic}",partition="1"} 1`);

    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);
  }, 150_000);
});
