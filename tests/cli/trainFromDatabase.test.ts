/**
 * Labelled history from PostgreSQL, end to end, on a real broker and a real PostgreSQL:
 *
 * (a) `vigie detect transactions --store-transactions` reads a draw of the simulated bank that
 *     `vigie simulate bank --kafka` (another client) produces, is killed with SIGKILL midway and
 *     started again: `transactions` then holds each offset of the topic exactly once, each row the
 *     record's JSON as it came.
 * (b) every fraud of the draw is labelled with `vigie label` (one as a chargeback, and a genuine
 *     transaction labelled fraud then cleared by a later `verdict-genuine`), which the running
 *     detect stores in `labels`; `vigie train fraud --from-database` then writes the same training
 *     matrix, value by value, as `vigie train fraud --on` the draw's CSV, whose fraud column is
 *     what the labels say, and the same training window and metrics. rules/features.json reads no
 *     labels, so the label delay plays no part in the comparison.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fromBankCsv } from '../../src/adapters/labelledBank.ts';
import type { LabelledTransaction } from '../../src/adapters/paysim.ts';
import { type FreshDatabase, freshDatabase } from '../helpers/database.ts';
import { createTopic, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const venv = path.join(root, '.vigie', 'venv-train');
const dir = mkdtempSync(path.join(tmpdir(), 'vigie-train-db-'));
const bank = path.join(dir, 'bank.csv');
const DRAW = ['--profile', 'handbook', '--customers', '200', '--terminals', '400', '--days', '30'];

let db: FreshDatabase;
let labelled: LabelledTransaction[];
beforeAll(async () => {
  if (!existsSync(path.join(venv, 'bin', 'python'))) throw new Error(`${venv} is missing: run \`npm run setup\` (it makes the virtualenv from train/requirements.txt)`);
  for (const name of ['csv', 'database']) {
    mkdirSync(path.join(dir, name));
    symlinkSync(venv, path.join(dir, name, 'venv-train'));
  }
  db = await freshDatabase();
  const simulate = vigie(['simulate', 'bank', ...DRAW, '--out', bank]);
  expect(await simulate.exit, simulate.output()).toBe(0);
  labelled = await lastValueFrom(fromBankCsv(bank).pipe(toArray()));
}, 60_000);
afterAll(async () => {
  killAll();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const count = async (sql: string, params: unknown[]): Promise<number> => Number((await db.pool.query(sql, params)).rows[0].n);

describe('vigie train fraud --from-database', () => {
  it('stores every transaction once across a SIGKILL, then trains on it and its labels as on the same draw’s CSV', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('transaction-store');
    const labelsTopic = uniqueTopic('labels-store');
    const unread = uniqueTopic('simulator-labels');
    // one partition: the offsets are the draw's order, which the CSV keeps too (ties in event time included)
    await Promise.all([createTopic(brokers, topic, 1), createTopic(brokers, labelsTopic, 1), createTopic(brokers, unread, 1)]);
    const total = labelled.length;
    const stored = () => count('SELECT count(*) AS n FROM transactions WHERE source = $1', [topic]);

    const detect = ['detect', 'transactions', '--store-transactions', '--topic', topic, '--labels-topic', labelsTopic, '--alerts-topic', '', '--models-topic', '', '--rules-topic', '',
      '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', path.join(dir, 'detect'), '--max-in-flight', '200', '--session-timeout', '6000'];
    const first = vigie(detect);
    // another client produces the draw, at a pace that leaves time to kill detect midway
    const producer = vigie(['simulate', 'bank', ...DRAW, '--kafka', brokers.join(','), '--topic', topic, '--labels-topic', unread, '--rate', '2000']);
    await until('some transactions stored, not all', async () => ((await stored()) > total / 5 ? true : undefined), 120_000);
    first.proc.kill('SIGKILL');
    await first.exit;
    const before = await stored();
    expect(before, 'killed midway').toBeLessThan(total);
    expect(await producer.exit, producer.output()).toBe(0);

    const second = vigie(detect);
    await until('every transaction stored', async () => ((await stored()) >= total ? true : undefined), 120_000);
    expect(await count('SELECT count(*) AS n FROM transactions WHERE source = $1', [topic])).toBe(total);
    expect(await count('SELECT count(DISTINCT source_offset) AS n FROM transactions WHERE source = $1 AND source_offset BETWEEN 0 AND $2', [topic, total - 1])).toBe(total);
    // each row the record as it came: the CSV's transaction, parsed the same
    const { rows } = await db.pool.query<{ off: string; input: Record<string, unknown> }>('SELECT source_offset AS off, input FROM transactions WHERE source = $1 ORDER BY source_offset', [topic]);
    rows.forEach((row, i) => {
      const { transaction } = labelled[i]!.record;
      expect(row.input, `offset ${row.off}`).toMatchObject({ transaction_id: transaction.transaction_id, account: transaction.account, timestamp: transaction.timestamp, amount: transaction.amount });
    });

    // the labels: every fraud (one as a chargeback), and a genuine one labelled fraud, then cleared later
    const frauds = labelled.filter((l) => l.fraud);
    expect(frauds.length, 'frauds in the draw').toBeGreaterThan(15);
    const genuine = labelled.find((l) => !l.fraud)!.record.transaction;
    const sends: string[][] = frauds.map((l, i) => {
      const tx = l.record.transaction;
      const at = new Date(Date.parse(tx.timestamp) + 86_400_000).toISOString();
      return [String(tx.transaction_id), '--account', tx.account!, '--label', i === 0 ? 'chargeback' : 'fraud', '--at', at];
    });
    sends.push([String(genuine.transaction_id), '--account', genuine.account!, '--label', 'fraud', '--source', 'rule-engine', '--at', '2018-04-02T00:00:00Z']);
    sends.push([String(genuine.transaction_id), '--account', genuine.account!, '--label', 'verdict-genuine', '--source', 'analyst:alice', '--at', '2018-04-03T00:00:00Z']);
    for (let i = 0; i < sends.length; i += 4) {
      const batch = sends.slice(i, i + 4).map((args) => vigie(['label', ...args, '--kafka', brokers.join(','), '--labels-topic', labelsTopic]));
      for (const sent of batch) expect(await sent.exit, sent.output()).toBe(0);
    }
    await until('every label stored', async () => ((await count('SELECT count(*) AS n FROM labels WHERE topic = $1', [labelsTopic])) >= sends.length ? true : undefined), 60_000);
    second.proc.kill('SIGTERM');
    expect(await second.exit, second.output()).toBe(0);

    // the same draw, trained from the CSV and from the database
    const train = async (name: string, from: string[]) => {
      const run = vigie(['train', 'fraud', ...from, '--out', path.join(dir, `${name}.json`), '--data-dir', path.join(dir, name), '--param', 'rounds=20', '--param', 'max_depth=3', '--json']);
      let stdout = '';
      run.proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      expect(await run.exit, run.output()).toBe(0);
      return JSON.parse(stdout) as { features: string[]; trainingWindow: unknown; metrics: { training: { rows: number; frauds: number } }; threshold: number; labelDelay: string | null };
    };
    const fromCsv = await train('csv', ['--on', bank]);
    const fromDatabase = await train('database', ['--from-database', '--database-url', db.url]);
    const matrix = (name: string) => {
      const bytes = readFileSync(path.join(dir, name, 'train', 'matrix.f64'));
      return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    };
    const [csv, database] = [matrix('csv'), matrix('database')];
    const width = fromCsv.features.length + 2;
    expect(fromDatabase.features).toEqual(fromCsv.features);
    expect(database.length).toBe(total * width);
    expect(csv.length).toBe(total * width);
    let frauds1 = 0;
    for (let r = 0; r < total; r++) {
      for (let j = 0; j < width; j++) {
        const [a, b] = [csv[r * width + j]!, database[r * width + j]!];
        expect(Number.isNaN(b) ? null : b, `row ${r}, ${j === 0 ? 'time' : j === 1 ? 'label' : fromCsv.features[j - 2]}`).toBe(Number.isNaN(a) ? null : a);
      }
      frauds1 += database[r * width + 1]!;
    }
    expect(frauds1, 'the frauds the labels say; the cleared one is not').toBe(frauds.length);
    expect(fromDatabase.trainingWindow).toEqual(fromCsv.trainingWindow);
    expect(fromDatabase.metrics).toEqual(fromCsv.metrics);
    expect(fromDatabase.threshold).toBe(fromCsv.threshold);
  }, 600_000);

  it('refuses --on with --from-database, and --since without it, naming them', async () => {
    const both = vigie(['train', 'fraud', '--on', bank, '--from-database', '--out', path.join(dir, 'refused.json')]);
    expect(await both.exit).toBe(2);
    expect(both.output()).toContain('vigie: give --on FILE or --from-database, one of them');
    const since = vigie(['train', 'fraud', '--on', bank, '--since', '2018-04-02T00:00:00Z', '--out', path.join(dir, 'refused.json')]);
    expect(await since.exit).toBe(2);
    expect(since.output()).toContain('vigie: --since: with --from-database only');
    expect(existsSync(path.join(dir, 'refused.json'))).toBe(false);
  }, 60_000);
});
