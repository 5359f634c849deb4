/**
 * Records written by another Kafka client (kcat, librdkafka underneath) are consumed correctly:
 * the prototype's JSON transactions and plain numeric readings, with malformed ones among them,
 * which must land in the dead letters with their reasons while the stream goes on.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../helpers/database.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';
import { consumeAll, uniqueTopic } from '../helpers/kafka.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

/** Produces one record per line with kcat. */
function kcat(brokers: string[], topic: string, lines: string[]): void {
  execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic], { input: `${lines.join('\n')}\n` });
}



describe('records written by kcat', () => {
  it('transactions: suspicious ones stored once each, bad JSON dead-lettered with its reason', async () => {
    const brokers = inject('kafkaBrokers');
    const dir = await mkdtemp(join(tmpdir(), 'vigie-interop-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const topic = uniqueTopic('transaction');
    const tx = (i: number, amount: number) =>
      JSON.stringify({ id: 1000 + i, transaction_id: 10_000 + i, amount, currency: 'XAF', timestamp: '2026-11-22 10:00:00' });
    const good = Array.from({ length: 50 }, (_, i) => tx(i, 100 + i * 400)); // 100 .. 19700
    const bad = ['{"id": 1, "amount": "lots"}', 'not json at all', '{"id":1,"transaction_id":2,"amount":-5,"currency":"XAF","timestamp":"2026-11-22 10:00:00"}'];
    // an hour older than the rest: behind the watermark, judged by the stateless rules only, counted as late
    const late = JSON.stringify({ id: 4242, transaction_id: 42_424, amount: 500, currency: 'XAF', timestamp: '2026-11-22 09:00:00' });
    kcat(brokers, topic, [...good.slice(0, 25), ...bad, ...good.slice(25), late]);

    const alertsTopic = uniqueTopic('transaction.alerts');
    const dlqTopic = uniqueTopic('transaction.dlq');
    const topics = ['--alerts-topic', alertsTopic, '--dlq-topic', dlqTopic];
    const detect = vigie(['detect', 'transactions', '--topic', topic, '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', dir, ...topics]);
    const suspicious = good.map((g) => JSON.parse(g) as { amount: number }).filter((t) => t.amount > 10_000).length;
    const count = async (sql: string): Promise<number> => Number((await db.pool.query(sql, [topic])).rows[0].n);
    await until('the suspicious transactions and the dead letters', async () =>
      (await count('SELECT count(*) AS n FROM suspicious_transactions WHERE source = $1')) >= suspicious &&
      (await count('SELECT count(*) AS n FROM dead_letters WHERE source = $1')) >= bad.length
        ? true
        : undefined,
    );
    await until('the late transaction to be counted', async () => (/\b1 late\b/.test(detect.output()) ? true : undefined), 10_000);
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);

    const stored = await db.pool.query('SELECT amount, source_offset FROM suspicious_transactions WHERE source = $1 ORDER BY source_offset', [topic]);
    expect(stored.rows.map((r) => Number(r.amount))).toEqual(good.map((g) => JSON.parse(g).amount as number).filter((a) => a > 10_000));
    const dead = await db.pool.query('SELECT raw, reason, source_offset FROM dead_letters WHERE source = $1 ORDER BY source_offset', [topic]);
    expect(dead.rows.map((r) => [Number(r.source_offset), r.raw])).toEqual(bad.map((raw, i) => [25 + i, raw]));
    expect(dead.rows[0].reason).toMatch(/amount: /);
    expect(dead.rows[1].reason).toMatch(/^invalid JSON/);
    expect(dead.rows[2].reason).toMatch(/amount: .*>=0|amount: /);

    // the same, as JSON on the alerts and dead-letter topics, for other systems
    const alerts = await consumeAll(brokers, alertsTopic, suspicious);
    expect(alerts.map((a) => JSON.parse(a.value!).amount)).toEqual(stored.rows.map((r) => Number(r.amount)));
    expect(JSON.parse(alerts[0]!.value!).reasons).toEqual(['amount>10000XAF']);
    const dlq = await consumeAll(brokers, dlqTopic, bad.length);
    expect(dlq.map((d) => JSON.parse(d.value!).raw)).toEqual(bad);

    // a second run of the same group resumes after what was committed: nothing more is written
    const again = vigie(['detect', 'transactions', '--topic', topic, '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', dir, ...topics]);
    await until('the second run to start', async () => (/records\/s/.test(again.output()) ? true : undefined));
    again.proc.kill('SIGTERM');
    expect(await again.exit, again.output()).toBe(0);
    expect(await count('SELECT count(*) AS n FROM suspicious_transactions WHERE source = $1')).toBe(suspicious);
    expect(again.output()).toMatch(/\b0 records \| 0 rows written/);
  }, 120_000);

  it('readings: plain numeric values consumed as the topic\'s readings', async () => {
    const brokers = inject('kafkaBrokers');
    const dir = await mkdtemp(join(tmpdir(), 'vigie-interop-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const topic = uniqueTopic('humidite');
    const values = Array.from({ length: 30 }, (_, i) => (i === 25 ? '80.5' : (50 + (i % 3) * 0.1).toFixed(2)));
    kcat(brokers, topic, [...values.slice(0, 10), 'abc', ...values.slice(10)]);
    const detect = vigie(['detect', 'sensors', '--topic', topic, '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', dir]);
    const rows = await until('the detections', async () => {
      const { rows } = await db.pool.query('SELECT value, state, detector FROM sensor_detections WHERE source = $1 AND detector = $2 ORDER BY source_offset', [topic, 'dbscan']);
      return rows.length >= values.length ? rows : undefined;
    });
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);
    expect(rows.map((r) => r.value)).toEqual(values.map(Number));
    expect(rows.slice(0, 20).every((r) => r.state === -2)).toBe(true);
    expect(rows[25]!.state).toBe(-1); // 80.5 among values near 50
    const dead = await db.pool.query('SELECT raw, reason FROM dead_letters WHERE source = $1', [topic]);
    expect(dead.rows).toEqual([{ raw: 'abc', reason: `value "abc" is not a decimal number (topic=${topic} partition=0 offset=10)` }]);
  }, 120_000);
});
