/**
 * Alerts are at least once, with a stable id, or off (`--alerts-topic ''`). `vigie detect transactions` SIGKILLed three times
 * mid-stream and restarted: the alerts topic then holds every suspicious transaction's alert at
 * least once; a repeat (a record replayed from the last committed offset) carries the same
 * `alert_id` (`<topic>/<partition>/<offset>`, in the value and the `vigie-alert-id` header) and
 * the same payload, so a consumer that keeps the ids it has seen drops it. Each transaction has an
 * account of its own, so only the amount rule can fire and the expected alerts are known.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { committedOffsets, consumeToEnd, createTopic, uniqueTopic } from '../helpers/kafka.ts';
import { Kafka, logLevel } from 'kafkajs';
import { killAll, until, vigie } from '../helpers/processes.ts';
import { workspace as ownWorkspace } from '../helpers/workspace.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const workspace = (prefix: string) => ownWorkspace(prefix, cleanups);

describe('alerts across SIGKILLs', () => {
  it('holds every alert id at least once, repeats only of the same id and payload', async () => {
    const brokers = inject('kafkaBrokers');
    const { dir, db } = await workspace('vigie-alerts-');
    const topic = uniqueTopic('transaction');
    const alerts = uniqueTopic('alerts');
    await createTopic(brokers, topic, 2);
    await createTopic(brokers, alerts, 1);

    const transactions = Array.from({ length: 6000 }, (_, i) => ({
      id: 1000 + (i % 9000),
      transaction_id: 10_000 + i,
      amount: i % 2 === 0 ? 15_000 + i : 500 + i / 100,
      currency: 'XAF',
      timestamp: `2026-11-22 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
      account: `ACC-${i}`,
    }));
    execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic], { input: `${transactions.map((t) => JSON.stringify(t)).join('\n')}\n` });
    const suspicious = transactions.filter((t) => t.amount > 10_000).length;
    const count = async (): Promise<number> =>
      Number((await db.pool.query('SELECT count(*) AS n FROM suspicious_transactions WHERE source = $1', [topic])).rows[0].n);

    const args = ['detect', 'transactions', '--topic', topic, '--alerts-topic', alerts, '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', dir, '--max-in-flight', '200', '--session-timeout', '6000'];
    for (const threshold of [300, 1200, 2100]) {
      const run = vigie(args);
      await until(`more than ${threshold} rows`, async () => ((await count()) > threshold ? true : undefined));
      run.proc.kill('SIGKILL');
      await run.exit;
    }
    const last = vigie(args);
    await until('every suspicious transaction', async () => ((await count()) >= suspicious ? true : undefined));
    last.proc.kill('SIGTERM');
    expect(await last.exit, last.output()).toBe(0);

    const { rows } = await db.pool.query('SELECT source_partition, source_offset FROM suspicious_transactions WHERE source = $1', [topic]);
    const expected = new Set(rows.map((r: { source_partition: number; source_offset: string }) => `${topic}/${r.source_partition}/${r.source_offset}`));
    expect(expected.size).toBe(suspicious);

    const records = await consumeToEnd(brokers, alerts);
    const byId = new Map<string, string>();
    let repeats = 0;
    for (const record of records) {
      const id = JSON.parse(record.value!).alert_id as string;
      expect(record.headers['vigie-alert-id']).toBe(id);
      const seen = byId.get(id);
      if (seen === undefined) byId.set(id, record.value!);
      else {
        repeats++;
        expect(record.value).toBe(seen);
      }
    }
    expect([...expected].filter((id) => !byId.has(id))).toEqual([]);
    expect([...byId.keys()].filter((id) => !expected.has(id))).toEqual([]);
    console.log(`alerts: ${records.length} records for ${suspicious} suspicious transactions, ${repeats} repeats after 3 SIGKILLs`);
  }, 240_000);
});

/** Records on `topic` now, all partitions; 0 when it does not exist. */
async function recordsOn(brokers: readonly string[], topic: string): Promise<number> {
  const admin = new Kafka({ clientId: 'vigie-test-alerts-off', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0;
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

describe("--alerts-topic ''", () => {
  // A deployment that reads PostgreSQL only (as the seed's job did) pays for no alert at all.
  it('sends no alert; rows, dead letters and offsets as usual', async () => {
    const brokers = inject('kafkaBrokers');
    const { dir, db } = await workspace('vigie-alerts-off-');
    const topic = uniqueTopic('transaction');
    const dlq = uniqueTopic('dlq');
    const group = uniqueTopic('group');
    await createTopic(brokers, topic, 1);
    const transactions = Array.from({ length: 20 }, (_, i) => JSON.stringify({
      id: 1000 + i, transaction_id: 10_000 + i, amount: i % 2 === 0 ? 15_000 + i : 500 + i, currency: 'XAF', timestamp: `2026-11-22 10:00:${String(i).padStart(2, '0')}`, account: `ACC-${i}`,
    }));
    execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic], { input: `${[...transactions, 'not json'].join('\n')}\n` });
    // were '' taken for "not given", the alerts would land on the environment's topic
    const fallback = uniqueTopic('alerts');
    const run = vigie(['detect', 'transactions', '--topic', topic, '--group', group, '--alerts-topic', '', '--dlq-topic', dlq, '--rules', 'amount',
      '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', dir, '--session-timeout', '6000'], { ...process.env, VIGIE_ALERTS_TOPIC: fallback });
    await until('every record committed', async () => {
      if (run.proc.exitCode !== null) throw new Error(`vigie exited (${run.proc.exitCode}) before committing: ${run.output()}`);
      return (await committedOffsets(brokers, group, topic))[0] === 21 ? true : undefined;
    });
    run.proc.kill('SIGTERM');
    expect(await run.exit, run.output()).toBe(0);

    const rows = async (table: string): Promise<number> => Number((await db.pool.query(`SELECT count(*) AS n FROM ${table} WHERE source = $1`, [topic])).rows[0].n);
    expect(await rows('suspicious_transactions')).toBe(10);
    expect(await rows('dead_letters')).toBe(1);
    expect(await consumeToEnd(brokers, dlq)).toHaveLength(1);
    expect(await recordsOn(brokers, fallback)).toBe(0);
    expect(run.output()).toMatch(/alerts off/i);
  }, 120_000);
});
