/**
 * Issue 24: labels fed into a running flow's features, on a real broker and PostgreSQL. A model
 * trained by `vigie train fraud` on the Handbook's features (ten read the terminal's confirmed
 * frauds behind the label delay) is served by two `detect transactions --model`, one run through,
 * one killed (SIGKILL) midway and restarted. The simulated bank's transactions are produced to the
 * topic by another client, and labels of some frauds sent by `vigie label` (other processes); the
 * forwarder puts each label into its account's partition of the transactions topic, exactly once.
 * Every transaction is stored (a rule that always fires), and each row's model_score must equal
 * (1e-6) the score of an offline replay of the transactions topic as consumed (labels in their
 * places) through ruleFeatures + model.score; and on some rows a feature that reads labels is not
 * 0 and moves the score, so the test fails if labels did not reach the features.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseLabelEvent, partitionOf } from '../../src/adapters/kafka/labelEvent.ts';
import { labelJson } from '../../src/adapters/kafka/labelRecord.ts';
import { forwardGroup } from '../../src/adapters/kafka/labelsForward.ts';
import { fromLabelledCsv } from '../../src/adapters/labelledCsv.ts';
import { readFraudModel } from '../../src/models/index.ts';
import { parseTransactionMessage } from '../../src/operators/parseTransaction.ts';
import { ruleFeatures } from '../../src/operators/rules/ruleFeatures.ts';
import { readsLabels } from '../../src/models/modelSlots.ts';
import type { Transaction, TransactionRecord } from '../../src/types.ts';
import { type FreshDatabase, freshDatabase } from '../helpers/database.ts';
import { handbookPaths, trainHandbookModel } from '../helpers/handbookModel.ts';
import { consumeAll, createTopic, produceAll, produceToPartitions, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie, type VigieProcess } from '../helpers/processes.ts';

const DAY = 86_400_000;
const paths = handbookPaths('vigie-live-labels-');
const { dir, bank, modelFile } = paths;
const rulesFile = path.join(dir, 'rules.json');
const cleanups: (() => Promise<unknown>)[] = [];

/** Every transaction a row: each carries the model's score, so that every score is compared. */
const ALL = { id: 'all', version: 1, value: { field: 'amount' }, compare: '>=', limit: 0, reason: 'all' };

let history: { transaction: Transaction; fraud: boolean }[] = [];

beforeAll(async () => {
  await trainHandbookModel(paths, ['--customers', '200', '--terminals', '400', '--days', '30'], ['--param', 'rounds=40', '--param', 'max_depth=4']);
  writeFileSync(rulesFile, JSON.stringify({ rules: [ALL] }));
  history = (await lastValueFrom(fromLabelledCsv(bank).pipe(toArray()))).map((l) => ({ transaction: l.record.transaction, fraud: l.fraud }));
}, 300_000);

afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

interface Row {
  readonly source_partition: number;
  readonly source_offset: string;
  readonly revision: number;
  readonly model_score: number;
}

describe('vigie detect transactions --model with labels fed', () => {
  it('scores every transaction as an offline replay of the topic as consumed (labels in their places), run through or killed and restarted', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('transactions-live-labels');
    const labelsTopic = uniqueTopic('labels-live');
    await createTopic(brokers, topic, 2);
    await createTopic(brokers, labelsTopic, 1);
    const model = readFraudModel(modelFile);
    const labelFeatures = model.file.featureRules.filter((r) => readsLabels(r.value)).map((r) => r.feature!);
    expect(labelFeatures.length, 'the Handbook features read labels').toBeGreaterThan(0);

    const start = Date.parse(history[0]!.transaction.timestamp);
    const labelledAt = start + 14 * DAY;
    const phase1 = history.filter((h) => Date.parse(h.transaction.timestamp) < labelledAt);
    const phase2 = history.filter((h) => Date.parse(h.transaction.timestamp) >= labelledAt && Date.parse(h.transaction.timestamp) < start + 20 * DAY);
    // the frauds of days 4 to 12 (18 of them at one compromised terminal): their terminals' features count them 7 days on
    const labelled = phase1.filter((h) => h.fraud && Date.parse(h.transaction.timestamp) >= start + 4 * DAY);
    expect(labelled.length).toBeGreaterThan(3);

    const detects: { name: string; group: string; db: FreshDatabase; proc?: VigieProcess }[] = [];
    for (const name of ['through', 'killed']) {
      const db = await freshDatabase();
      cleanups.push(() => db.drop());
      const dataDir = path.join(dir, name);
      mkdirSync(dataDir);
      detects.push({ name, group: uniqueTopic(`vigie-live-${name}`), db });
    }
    const launch = (d: (typeof detects)[number]): VigieProcess => {
      const proc = vigie([
        'detect', 'transactions', '--topic', topic, '--group', d.group, '--kafka', brokers.join(','), '--rules-topic', '', '--models-topic', '', '--alerts-topic', '',
        '--labels-topic', labelsTopic, '--rules-file', rulesFile, '--model', modelFile, '--database-url', d.db.url, '--data-dir', path.join(dir, d.name), '--session-timeout', '6000',
      ]);
      d.proc = proc;
      return proc;
    };
    const running = async (d: (typeof detects)[number]) => {
      const proc = launch(d);
      await until(`${d.name} started`, async () => {
        if (proc.proc.exitCode !== null) throw new Error(`detect ${d.name} exited ${proc.proc.exitCode}:\n${proc.output()}`);
        return proc.output().includes('Labels from') && proc.output().includes('forwarded into') ? true : undefined;
      }, 60_000);
    };
    for (const d of detects) await running(d);

    const send = (part: typeof history) => produceAll(brokers, topic, part.map((h) => ({ key: h.transaction.account!, value: JSON.stringify(h.transaction) })));
    /** The offsets a detect wrote its outputs up to, per partition. */
    const covered = async (d: (typeof detects)[number]) =>
      (await d.db.pool.query<{ partition: number; next_offset: string }>('SELECT source_partition AS partition, next_offset FROM vigie_output_offsets WHERE topic = $1', [topic])).rows;
    const upTo = async (count: number) => {
      // every record of the topic so far (transactions and forwarded labels), read committed
      const records = await consumeAll(brokers, topic, count, 60_000);
      const last = new Map<number, number>();
      for (const r of records) last.set(r.partition, Math.max(last.get(r.partition) ?? -1, r.offset));
      return { records, last };
    };
    const caughtUp = (d: (typeof detects)[number], last: Map<number, number>) =>
      until(`${d.name} caught up`, async () => {
        if (d.proc!.proc.exitCode !== null) throw new Error(`detect ${d.name} exited:\n${d.proc!.output()}`);
        const rows = await covered(d);
        return [...last].every(([p, o]) => rows.some((r) => r.partition === p && Number(r.next_offset) > o)) ? true : undefined;
      }, 120_000);

    // days 0-13, then the labels of some frauds, known on day 14, sent by another client
    await send(phase1);
    // three by `vigie label`, the others by a chargeback system's own producer
    const asLabel = (h: (typeof history)[number]) => labelJson({ transaction_id: h.transaction.transaction_id, account: h.transaction.account!, terminal: h.transaction.terminal!, label: 'chargeback', at: labelledAt, source: 'chargebacks' });
    await produceAll(brokers, labelsTopic, labelled.slice(3).map((h) => ({ key: h.transaction.account!, value: asLabel(h) })));
    for (const h of labelled.slice(0, 3)) {
      const label = vigie(['label', String(h.transaction.transaction_id), '--account', h.transaction.account!, '--terminal', h.transaction.terminal!, '--label', 'chargeback',
        '--at', new Date(labelledAt).toISOString(), '--labels-topic', labelsTopic, '--kafka', brokers.join(',')]);
      expect(await label.exit, label.output()).toBe(0);
    }
    const afterLabels = await upTo(phase1.length + labelled.length);
    expect(afterLabels.records.filter((r) => r.headers['vigie-record'] === 'label')).toHaveLength(labelled.length);
    // the second detect killed once it read part of the labelled stream, then restarted
    const killed = detects[1]!;
    await caughtUp(killed, afterLabels.last);
    await send(phase2.slice(0, phase2.length / 2));
    // past the labels, into the transactions that read them: its state holds them
    await until('the killed one part way', async () => ((await covered(killed)).some((r) => Number(r.next_offset) > afterLabels.last.get(r.partition)! + 1) ? true : undefined), 60_000);
    killed.proc!.proc.kill('SIGKILL');
    await killed.proc!.exit;
    await send(phase2.slice(phase2.length / 2));
    // a label put straight into the topic by another client, in the other partition than its
    // account's, and bytes marked as a label: dead letters with their bytes, and the stream goes on
    const stray = labelled[0]!.transaction;
    const home = partitionOf(Buffer.from(stray.account!), 2);
    const misplaced = Buffer.from(asLabel(labelled[0]!));
    const broken = Buffer.from([0x7b, 0xff, 0x00]);
    const marked = { 'vigie-record': 'label' };
    await produceToPartitions(brokers, topic, [
      { partition: 1 - home, key: stray.account!, value: misplaced, headers: marked },
      { partition: home, key: stray.account!, value: broken, headers: marked },
    ]);
    await running(killed);

    const total = phase1.length + labelled.length + phase2.length + 2;
    const { records, last } = await upTo(total);
    for (const d of detects) await caughtUp(d, last);
    // exactly once: the labels forwarded once each, whatever was killed meanwhile
    await new Promise((r) => setTimeout(r, 1_000));
    const again = await consumeAll(brokers, topic, total, 60_000);
    expect(again).toHaveLength(total);
    const forwarded = records.filter((r) => r.headers['vigie-label-ref'] !== undefined);
    expect(forwarded.map((r) => JSON.parse(r.value!).transaction_id).sort()).toEqual(labelled.map((h) => h.transaction.transaction_id).sort());
    for (const r of forwarded) expect(r.key).toBe(JSON.parse(r.value!).account);
    expect(detects[0]!.proc!.output()).toContain(forwardGroup(labelsTopic, [topic]));

    // the offline replay: the topic as consumed, per partition in offset order
    const parsed: TransactionRecord[] = [];
    const deadExpected: string[] = [];
    for (const r of records) {
      const message = { raw: r.bytes, ref: { source: topic, partition: r.partition, offset: r.offset }, time: 0 };
      const p = r.headers['vigie-record'] === undefined ? parseTransactionMessage(message) : parseLabelEvent({ ...message, record: r.headers['vigie-record'], key: Buffer.from(r.key!), partitions: 2 });
      if (p.ok) parsed.push(p.value);
      else deadExpected.push(`${r.partition}@${r.offset} ${p.dead.reason} ${r.bytes.toString('hex')}`);
    }
    expect(deadExpected, 'the misplaced label and the broken bytes').toHaveLength(2);
    const replay = await lastValueFrom(from(parsed).pipe(ruleFeatures(model.featureBook), toArray()));
    expect(replay).toHaveLength(phase1.length + phase2.length);
    const expected = new Map(replay.map((row) => [`${row.record.ref.partition}@${row.record.ref.offset}`, row.features]));
    const withLabels = replay.filter((row) => labelFeatures.some((f) => (row.features[f] ?? 0) > 0));
    expect(withLabels.length, 'transactions after a label whose label-reading features are not 0').toBeGreaterThan(0);
    // and on some, the labels move the score: replayed without them, it differs
    const unlabelled = await lastValueFrom(from(parsed.filter((r) => r.transaction.label === undefined)).pipe(ruleFeatures(model.featureBook), toArray()));
    const moved = unlabelled.filter((row) => Math.abs(model.score(row.features) - model.score(expected.get(`${row.record.ref.partition}@${row.record.ref.offset}`)!)) > 1e-6);
    expect(moved.length, 'scores the labels change').toBeGreaterThan(0);

    for (const d of detects) {
      const { rows } = await d.db.pool.query<Row>('SELECT source_partition, source_offset, revision, model_score FROM suspicious_transactions WHERE source = $1', [topic]);
      expect(rows.filter((r) => r.revision !== 0), `${d.name}: no revision`).toEqual([]);
      expect(rows, `${d.name}: a row per transaction, none for a label`).toHaveLength(replay.length);
      let compared = 0;
      for (const row of rows) {
        const f = expected.get(`${row.source_partition}@${row.source_offset}`);
        expect(f, `${d.name}: ${row.source_partition}@${row.source_offset} is a transaction of the replay`).toBeDefined();
        expect(Math.abs(row.model_score - model.score(f!)), `${d.name}: ${row.source_partition}@${row.source_offset}`).toBeLessThanOrEqual(1e-6);
        compared++;
      }
      expect(compared).toBe(replay.length);
      const dead = await d.db.pool.query<{ at: string; reason: string; bytes: Buffer }>(
        "SELECT source_partition || '@' || source_offset AS at, reason, raw_bytes AS bytes FROM dead_letters ORDER BY source_partition, source_offset",
      );
      expect(dead.rows.map((r) => `${r.at} ${r.reason} ${r.bytes.toString('hex')}`), `${d.name}: the dead letters, exact bytes and reasons`).toEqual(deadExpected);
    }
    for (const d of detects) {
      d.proc!.proc.kill('SIGINT');
      expect(await d.proc!.exit, d.proc!.output()).toBe(0);
    }
  }, 600_000);

  it("refuses the same model with --labels-topic '', naming the features and why", async () => {
    const run = vigie([
      'detect', 'transactions', '--topic', uniqueTopic('transactions-no-labels'), '--group', uniqueTopic('vigie-no-labels'), '--kafka', inject('kafkaBrokers').join(','),
      '--rules-topic', '', '--models-topic', '', '--labels-topic', '', '--model', modelFile, '--database-url', inject('databaseUrl'), '--data-dir', dir,
    ]);
    expect(await run.exit, run.output()).not.toBe(0);
    expect(run.output()).toMatch(/terminal_frauds_1d, .* read labels \(fraudLabels\), and this flow is fed none \(--labels-topic ''\)/);
  }, 60_000);
});
