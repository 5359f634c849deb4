/**
 * The simulated bank on a real broker, as a user runs it: `vigie simulate bank --kafka` produces
 * the transactions and the labels; read back, every transaction of the CSV the same options
 * write is on the transactions topic in vigie's JSON keyed by its account, every fraud has its
 * label with its kind, each label `--label-delay` of event time after its transaction; and
 * `vigie detect transactions` takes every record (no dead letter) and commits to the end.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { writeBankCsv } from '../../../src/adapters/simulatedBank/bankCsv.ts';
import { type FraudLabel, bankMessages } from '../../../src/adapters/simulatedBank/bankKafka.ts';
import { bankDays, openBank } from '../../../src/adapters/simulatedBank/simulateBank.ts';
import { parseTransactionMessage } from '../../../src/operators/parseTransaction.ts';
import { freshDatabase } from '../../helpers/database.ts';
import { committedOffsets, consumeToEnd, createTopic, uniqueTopic } from '../../helpers/kafka.ts';
import { killAll, until, vigie } from '../../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const OPTIONS = { profile: 'cameroon', customers: 3_000, terminals: 2_000, days: 12, seed: 5 } as const;
const DAY_MS = 86_400_000;

/** The CSV the same options write, as rows of named fields. */
async function csvRows(): Promise<Record<string, string>[]> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await writeBankCsv(openBank(OPTIONS), out);
  const [header, ...lines] = text.trimEnd().split('\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i]!, v])));
}

describe('the simulated bank in Kafka order', () => {
  it('puts each label right before the first transaction at or after its time + delay, and the rest at the end', () => {
    const delay = 2 * DAY_MS;
    let lastTransaction = -Infinity;
    let labelsDue: number[] = [];
    let labels = 0;
    let frauds = 0;
    for (const m of bankMessages(openBank(OPTIONS), { labelDelayMs: delay })) {
      const value = JSON.parse(String(m.value)) as { timestamp: string; labelled_at?: string };
      if (m.label) {
        const label = value as FraudLabel;
        const due = Date.parse(label.labelled_at);
        expect(due - Date.parse(label.timestamp)).toBe(delay);
        expect(due).toBeGreaterThan(lastTransaction - 1000); // not late: no transaction after its time went before it
        labelsDue.push(due);
        labels++;
        continue;
      }
      const time = Date.parse(value.timestamp);
      // not early: each label before this transaction was due by its time
      for (const due of labelsDue) expect(due).toBeLessThanOrEqual(time);
      labelsDue = [];
      lastTransaction = time;
    }
    const bank = openBank(OPTIONS);
    for (const day of bankDays(bank)) for (let i = 0; i < day.count; i++) if (day.kind[i] !== 0) frauds++;
    expect(frauds).toBeGreaterThan(50);
    expect(labels).toBe(frauds);
  });
});

describe('vigie simulate bank --kafka', () => {
  it('produces every transaction in vigie JSON and every fraud label after its delay; detect transactions takes them all', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('bank-transaction');
    const labelsTopic = uniqueTopic('bank-labels');
    await createTopic(brokers, topic, 3);
    await createTopic(brokers, labelsTopic, 1);
    const produce = vigie(['simulate', 'bank', '--profile', OPTIONS.profile, '--customers', String(OPTIONS.customers), '--terminals', String(OPTIONS.terminals),
      '--days', String(OPTIONS.days), '--seed', String(OPTIONS.seed), '--kafka', brokers.join(','), '--topic', topic, '--labels-topic', labelsTopic,
      '--rate', '0', '--label-delay', '3d']);
    expect(await produce.exit, produce.output()).toBe(0);

    const rows = await csvRows();
    const frauds = rows.filter((r) => r.fraud === '1');
    expect(frauds.length).toBeGreaterThan(50);
    expect(produce.output()).toContain(`sent ${rows.length} transactions to ${topic} and ${frauds.length} labels to ${labelsTopic}`);

    const transactions = await consumeToEnd(brokers, topic, 60_000);
    expect(transactions).toHaveLength(rows.length);
    const byId = new Map(rows.map((r) => [Number(r.transaction_id), r]));
    const lastTime = new Map<number, number>();
    for (const record of transactions) {
      const parsed = parseTransactionMessage({ raw: record.value!, ref: { source: topic, partition: record.partition, offset: record.offset }, time: 0 });
      expect(parsed.ok, record.value!).toBe(true);
      const t = parsed.ok ? parsed.value.transaction : undefined;
      const row = byId.get(t!.transaction_id)!;
      expect(record.key).toBe(row.account);
      expect([t!.timestamp, t!.account, t!.terminal, String(t!.amount), t!.currency, t!.channel, String(t!.location?.lat), String(t!.location?.lon)])
        .toEqual([row.timestamp, row.account, row.terminal, row.amount, row.currency, row.channel, row.lat, row.lon]);
      expect(t!.id).toBe(Number(row.account!.slice(1)));
      // event-time order within each partition
      const time = Date.parse(t!.timestamp);
      expect(time).toBeGreaterThanOrEqual(lastTime.get(record.partition) ?? 0);
      lastTime.set(record.partition, time);
    }

    const labels = (await consumeToEnd(brokers, labelsTopic, 60_000)).map((r) => ({ key: r.key, label: JSON.parse(r.value!) as FraudLabel }));
    expect(labels.map((l) => l.label.transaction_id).sort((a, b) => a - b)).toEqual(frauds.map((r) => Number(r.transaction_id)));
    for (const { key, label } of labels) {
      const row = byId.get(label.transaction_id)!;
      expect([key, label.account, label.fraud, label.kind, label.timestamp]).toEqual([row.account, row.account, true, row.kind, row.timestamp]);
      expect(Date.parse(label.labelled_at) - Date.parse(label.timestamp)).toBe(3 * DAY_MS);
    }

    const dir = await mkdtemp(join(tmpdir(), 'vigie-bank-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const group = uniqueTopic('vigie-bank');
    const detect = vigie(['detect', 'transactions', '--topic', topic, '--group', group, '--kafka', brokers.join(','), '--database-url', db.url,
      '--data-dir', join(dir, 'vigie'), '--alerts-topic', uniqueTopic('transaction.alerts'), '--dlq-topic', uniqueTopic('transaction.dlq')]);
    const ends = [0, 0, 0];
    for (const r of transactions) ends[r.partition] = Math.max(ends[r.partition]!, r.offset + 1);
    await until('the offsets committed to the end', async () => {
      if (detect.proc.exitCode !== null) throw new Error(`vigie exited ${detect.proc.exitCode}: ${detect.output()}`);
      const committed = await committedOffsets(brokers, group, topic);
      return committed.every((offset, p) => offset === ends[p]) ? true : undefined;
    }, 120_000);
    const dead = await db.pool.query('SELECT count(*)::int AS n FROM dead_letters');
    expect(dead.rows[0].n).toBe(0);
    const suspicious = await db.pool.query("SELECT count(*)::int AS n, count(terminal)::int AS with_terminal FROM suspicious_transactions");
    expect(suspicious.rows[0].n).toBeGreaterThan(0);
    expect(suspicious.rows[0].with_terminal).toBe(suspicious.rows[0].n);
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);
  }, 240_000);
});
