/**
 * The labels topic on a real broker, stored in a real PostgreSQL: another client produces labels
 * (and bad records among them); they land in `labels` with the partition's next offset beside
 * them, the bad ones in `dead_letters` with their exact bytes; a reader started again with the
 * same group, and the same labels sent twice, write nothing twice.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { labelJson } from '../../../src/adapters/kafka/labelRecord.ts';
import { followLabels } from '../../../src/adapters/kafka/labels.ts';
import { type FreshDatabase, freshDatabase } from '../../helpers/database.ts';
import { createTopic, produceAll, uniqueTopic } from '../../helpers/kafka.ts';
import { until } from '../../helpers/processes.ts';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => db?.drop());

const at = Date.parse('2026-12-07T09:00:00Z');
const label = (transaction_id: number, account: string, kind: 'fraud' | 'chargeback' | 'verdict-genuine', source = 'chargebacks') =>
  ({ key: account, value: labelJson({ transaction_id, account, label: kind, at, source }) });

describe('followLabels', () => {
  it('stores the labels another client sends, bad records as dead letters, and nothing twice', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('labels');
    const group = uniqueTopic('labels-group');
    await createTopic(brokers, topic, 2);
    const bad = Buffer.from([0x7b, 0xff, 0x00, 0x22]);
    await produceAll(brokers, topic, [
      label(101, 'ACC-1', 'fraud'),
      label(102, 'ACC-2', 'chargeback'),
      { key: 'ACC-1', value: bad },
      { key: 'ACC-3', value: JSON.stringify({ transaction_id: 103, account: 'ACC-3', label: 'maybe', at: '2026-12-07T09:00:00Z', source: 'x' }) },
      label(101, 'ACC-1', 'fraud'), // the same label again: kept once
    ]);
    const lines: string[] = [];
    const told: number[] = [];
    let reader = followLabels({ brokers, topic, group, pool: db.pool, log: (l) => lines.push(l), onLabels: (ls) => told.push(...ls.map((l) => l.transaction_id)) });
    const count = async (sql: string) => Number((await db.pool.query<{ n: string }>(sql)).rows[0]!.n);
    try {
      await until('two labels and two dead letters stored', async () => ((await count('SELECT count(*) AS n FROM labels')) === 2 && (await count('SELECT count(*) AS n FROM dead_letters')) === 2 ? true : undefined), 30_000);
      const { rows } = await db.pool.query('SELECT transaction_id, account, label, labelled_at, source, topic FROM labels ORDER BY transaction_id');
      expect(rows).toEqual([
        { transaction_id: '101', account: 'ACC-1', label: 'fraud', labelled_at: new Date(at), source: 'chargebacks', topic },
        { transaction_id: '102', account: 'ACC-2', label: 'chargeback', labelled_at: new Date(at), source: 'chargebacks', topic },
      ]);
      const dead = await db.pool.query<{ stage: string; reason: string; raw_bytes: Buffer }>('SELECT stage, reason, raw_bytes FROM dead_letters ORDER BY reason');
      expect(dead.rows.map((r) => r.stage)).toEqual(['parse-label', 'parse-label']);
      expect(dead.rows.some((r) => r.raw_bytes.equals(bad) && r.reason === 'the value is not UTF-8')).toBe(true);
      expect(dead.rows.some((r) => r.reason.startsWith('label: '))).toBe(true);
      expect(told.filter((id) => id === 101)).toHaveLength(2); // told of both, stored once
      // the offsets beside the rows: every record of each partition is covered
      const offsets = await db.pool.query<{ n: string }>('SELECT sum(next_offset) AS n FROM vigie_output_offsets WHERE consumer_group = $1 AND topic = $2', [group, topic]);
      expect(Number(offsets.rows[0]!.n)).toBe(5);
    } finally {
      await reader.stop();
    }
    // a new reader of the group, and label 101 sent again by its labeller
    await produceAll(brokers, topic, [label(101, 'ACC-1', 'fraud'), label(104, 'ACC-4', 'verdict-genuine', 'analyst:alice')]);
    reader = followLabels({ brokers, topic, group, pool: db.pool, log: (l) => lines.push(l) });
    try {
      await until('the new label stored', async () => ((await count('SELECT count(*) AS n FROM labels')) === 3 ? true : undefined), 30_000);
      expect(await count("SELECT count(*) AS n FROM labels WHERE transaction_id = 104 AND source = 'analyst:alice' AND label = 'verdict-genuine'")).toBe(1);
      expect(await count('SELECT count(*) AS n FROM dead_letters')).toBe(2);
      await until('all 7 records covered', async () => {
        const { rows } = await db.pool.query<{ n: string }>('SELECT sum(next_offset) AS n FROM vigie_output_offsets WHERE consumer_group = $1 AND topic = $2', [group, topic]);
        return Number(rows[0]!.n) === 7 ? true : undefined;
      }, 30_000);
    } finally {
      await reader.stop();
    }
    expect(lines.some((l) => /^labels: dead letter .*: the value is not UTF-8$/.test(l))).toBe(true);
  }, 120_000);
});
