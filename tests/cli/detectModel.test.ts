/**
 * `vigie detect transactions --model FILE` on a real broker and PostgreSQL: the model scores every
 * transaction beside the rules, a probability at or above its threshold flags it, and the rows and
 * alerts carry the score, the model's version and its top features; labels sent by another client
 * meanwhile land in the labels table.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { labelJson } from '../../src/adapters/kafka/labelRecord.ts';
import { freshDatabase } from '../helpers/database.ts';
import { consumeAll, createTopic, produceAll, uniqueTopic } from '../helpers/kafka.ts';
import { tinyModelFile } from '../helpers/models.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

/** Fires only on amounts above 1 000 000 XAF: what the model adds stands out. */
const BIG = { id: 'big', version: 1, value: { field: 'amount' }, compare: '>', limit: 1_000_000, reason: 'amount>{limit}' };

let next = 0;
const transactions = (amounts: readonly number[]) =>
  amounts.map((amount) => {
    const n = next++;
    return { id: 1000 + n, transaction_id: 70_000 + n, amount, currency: 'XAF', timestamp: new Date().toISOString(), account: `model-${n}` };
  });

interface Alert {
  readonly transaction_id: number;
  readonly reasons: string[];
  readonly model?: { version: string; score: number; threshold: number; top: { feature: string; value: number | null; contribution: number }[] };
}

describe('vigie detect transactions --model', () => {
  it('flags by the model beside the rules; rows and alerts carry its score, version and top features; labels are stored', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('transactions-model');
    const alertsTopic = uniqueTopic('alerts-model');
    const labelsTopic = uniqueTopic('labels-model');
    await createTopic(brokers, topic, 1);
    await createTopic(brokers, alertsTopic, 1);
    await createTopic(brokers, labelsTopic, 1);
    const dir = await mkdtemp(join(tmpdir(), 'vigie-model-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    await writeFile(join(dir, 'rules.json'), JSON.stringify({ rules: [BIG] }));
    await writeFile(join(dir, 'model.json'), JSON.stringify(tinyModelFile({ version: 'tiny-1', threshold: 0.5 })));

    const detect = vigie([
      'detect', 'transactions', '--topic', topic, '--group', uniqueTopic('vigie-model'), '--kafka', brokers.join(','), '--rules-topic', '',
      '--alerts-topic', alertsTopic, '--labels-topic', labelsTopic, '--rules-file', join(dir, 'rules.json'), '--model', join(dir, 'model.json'),
      '--database-url', db.url, '--data-dir', dir, '--session-timeout', '6000',
    ]);
    const exitedEarly = detect.exit.then((code) => {
      throw new Error(`vigie detect transactions exited ${code}:\n${detect.output()}`);
    });
    exitedEarly.catch(() => {});
    const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) => Promise.race([until(what, probe, timeoutMs), exitedEarly]);
    await waitFor('the model loaded', async () => (detect.output().includes('Model: tiny-1 threshold 0.5, 2 features') ? true : undefined));

    // 7 000: 0.05 (not flagged); 12 000: 0.73 (the model); 2 000 000: the rule and the model
    const sent = transactions([7_000, 12_000, 2_000_000]);
    await produceAll(brokers, topic, sent.map((t) => ({ key: t.account, value: JSON.stringify(t) })));
    const alerts = (await consumeAll(brokers, alertsTopic, 2, 60_000)).map((r) => JSON.parse(r.value!) as Alert);
    expect(alerts.map((a) => [a.transaction_id, a.reasons])).toEqual([
      [sent[1]!.transaction_id, ['model>=0.5']],
      [sent[2]!.transaction_id, ['amount>1000000', 'model>=0.5']],
    ]);
    const p = 1 / (1 + Math.exp(-1)); // margin +2 (amount) -1 (first of its account)
    expect(alerts[0]!.model!.version).toBe('tiny-1');
    expect(alerts[0]!.model!.score).toBeCloseTo(p, 6);
    expect(alerts[0]!.model!.top.map((t) => [t.feature, t.value])).toEqual([['amount', 12_000], ['count_10min', 1]]);

    await waitFor('the rows written', async () => ((await db.pool.query('SELECT 1 FROM suspicious_transactions')).rowCount === 2 ? true : undefined));
    const { rows } = await db.pool.query<{ transaction_id: number; model: string; model_score: number; model_top: { feature: string }[] | null; shadow_model: string | null }>(
      'SELECT transaction_id, model, model_score, model_top, shadow_model FROM suspicious_transactions ORDER BY transaction_id',
    );
    expect(rows.map((r) => [r.transaction_id, r.model, r.model_top?.[0]!.feature, r.shadow_model])).toEqual([
      [sent[1]!.transaction_id, 'tiny-1', 'amount', null],
      [sent[2]!.transaction_id, 'tiny-1', 'amount', null],
    ]);
    expect(rows[0]!.model_score).toBeCloseTo(p, 6);

    // a chargeback of the second one, from another client
    await produceAll(brokers, labelsTopic, [{ key: sent[1]!.account, value: labelJson({ transaction_id: sent[1]!.transaction_id, account: sent[1]!.account, label: 'chargeback', at: Date.now(), source: 'chargebacks' }) }]);
    await waitFor('the label stored', async () => ((await db.pool.query('SELECT 1 FROM labels WHERE transaction_id = $1', [sent[1]!.transaction_id])).rowCount === 1 ? true : undefined));
    detect.proc.kill('SIGINT');
    expect(await detect.exit, detect.output()).toBe(0);
  }, 180_000);

  it('scores a shadow sent by another client beside the current model, then decides by it once promoted, without a restart', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('transactions-shadow');
    const modelsTopic = uniqueTopic('models');
    await createTopic(brokers, topic, 1);
    const dir = await mkdtemp(join(tmpdir(), 'vigie-shadow-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    await writeFile(join(dir, 'rules.json'), JSON.stringify({ rules: [BIG] }));
    await writeFile(join(dir, 'current.json'), JSON.stringify(tinyModelFile({ version: 'tiny-1', threshold: 0.5 })));
    // flags from 5 000 (0.73 >= 0.3), its features computed by rules of its own (g-amount, g-count)
    await writeFile(join(dir, 'shadow.json'), JSON.stringify(tinyModelFile({ version: 'tiny-2', threshold: 0.3, amountSplit: 5_000, prefix: 'g' })));
    const kafkaFlags = ['--kafka', brokers.join(','), '--models-topic', modelsTopic];
    const detect = vigie([
      'detect', 'transactions', '--topic', topic, '--group', uniqueTopic('vigie-shadow'), ...kafkaFlags, '--rules-topic', '', '--alerts-topic', '', '--labels-topic', '',
      '--rules-file', join(dir, 'rules.json'), '--model', join(dir, 'current.json'), '--database-url', db.url, '--data-dir', dir, '--session-timeout', '6000',
    ]);
    const pid = detect.proc.pid;
    const exitedEarly = detect.exit.then((code) => {
      throw new Error(`vigie detect transactions exited ${code}:\n${detect.output()}`);
    });
    exitedEarly.catch(() => {});
    const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) => Promise.race([until(what, probe, timeoutMs), exitedEarly]);
    const logged = (text: string) => async () => (detect.output().includes(text) ? true : undefined);
    await waitFor('the models topic read', logged(`Models followed on ${modelsTopic}; in force: current tiny-1 threshold 0.5, 2 features`));
    const rowsOf = async (ids: readonly number[]) =>
      (await db.pool.query<{ transaction_id: number; reasons: string[]; model: string; model_score: number; shadow_model: string | null; shadow_score: number | null }>(
        'SELECT transaction_id, reasons, model, model_score, shadow_model, shadow_score FROM suspicious_transactions WHERE transaction_id = ANY($1) ORDER BY transaction_id',
        [ids],
      )).rows;
    let produced = 0;
    const run = async (amounts: readonly number[], stored: number) => {
      const sent = transactions(amounts);
      produced += sent.length;
      await produceAll(brokers, topic, sent.map((t) => ({ key: t.account, value: JSON.stringify(t) })));
      const ids = sent.map((t) => t.transaction_id);
      await waitFor(`${stored} rows of ${amounts.join(', ')}`, async () => ((await rowsOf(ids)).length === stored ? true : undefined));
      // every record's outputs written (its offset beside them): a row that should not be is not merely late
      await waitFor('every record written', async () => ((await db.pool.query('SELECT 1 FROM vigie_output_offsets WHERE topic = $1 AND next_offset >= $2', [topic, produced])).rowCount === 1 ? true : undefined));
      return { ids, rows: await rowsOf(ids) };
    };

    const before = await run([12_000], 1);
    expect(before.rows.map((r) => [r.model, r.shadow_model])).toEqual([['tiny-1', null]]);

    const shadow = vigie(['model', 'shadow', join(dir, 'shadow.json'), ...kafkaFlags]);
    expect(await shadow.exit, shadow.output()).toBe(0);
    expect(shadow.output()).toContain(`sent tiny-2 as the shadow model to ${modelsTopic}`);
    await waitFor('the shadow taken', logged('models: shadow tiny-2 threshold 0.3, 2 features'));
    // 12 000: both score it, tiny-1 decides; 6 000: the shadow would flag it, but decides nothing
    const beside = await run([12_000, 6_000], 1);
    expect(beside.rows).toHaveLength(1);
    expect(beside.rows[0]).toMatchObject({ transaction_id: beside.ids[0], reasons: ['model>=0.5'], model: 'tiny-1', shadow_model: 'tiny-2' });
    expect(beside.rows[0]!.shadow_score).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);

    const promote = vigie(['model', 'promote', ...kafkaFlags]);
    expect(await promote.exit, promote.output()).toBe(0);
    await waitFor('the shadow promoted', logged('models: current tiny-2 threshold 0.3, 2 features'));
    await waitFor('the shadow emptied', logged('models: shadow emptied'));
    // 6 000 is now decided by tiny-2
    const after = await run([6_000], 1);
    expect(after.rows).toEqual([expect.objectContaining({ reasons: ['model>=0.3'], model: 'tiny-2', shadow_model: null })]);
    expect(detect.proc.pid).toBe(pid);
    expect(detect.proc.exitCode).toBeNull();

    const list = vigie(['model', 'list', '--json', ...kafkaFlags]);
    expect(await list.exit, list.output()).toBe(0);
    expect(JSON.parse(list.output())).toEqual([expect.objectContaining({ role: 'current', version: 'tiny-2', threshold: 0.3, features: 2 })]);
    const again = vigie(['model', 'promote', ...kafkaFlags]);
    expect(await again.exit).not.toBe(0);
    expect(again.output()).toContain(`no shadow model on ${modelsTopic} to promote`);
    detect.proc.kill('SIGINT');
    expect(await detect.exit, detect.output()).toBe(0);
  }, 240_000);
});
