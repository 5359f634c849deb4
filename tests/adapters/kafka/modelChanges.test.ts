/**
 * The models' control topic on a real broker, its refusals stored in a real PostgreSQL: another
 * client sends a model and records that are not models (bytes that are not UTF-8, JSON without a
 * model, a key that is not a role); the model is taken, each other record is a dead letter in
 * `dead_letters` with its exact bytes and reason, and a reader started again over the same
 * compacted topic writes none of them twice.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { followModelChanges } from '../../../src/adapters/kafka/modelChanges.ts';
import { modelRecordValue } from '../../../src/adapters/kafka/modelRecord.ts';
import { ModelSlots } from '../../../src/models/modelSlots.ts';
import { RuleBook } from '../../../src/rules/ruleBook.ts';
import { type FreshDatabase, freshDatabase } from '../../helpers/database.ts';
import { createTopic, produceAll, uniqueTopic } from '../../helpers/kafka.ts';
import { tinyModelFile } from '../../helpers/models.ts';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => db?.drop());

describe('followModelChanges with a pool', () => {
  it('takes the model, writes every other record to dead_letters with its exact bytes, and nothing twice', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('models');
    await createTopic(brokers, topic, 1, { 'cleanup.policy': 'compact' });
    const notUtf8 = Buffer.from([0x7b, 0xff, 0x00, 0x22]);
    await produceAll(brokers, topic, [
      { key: 'shadow', value: modelRecordValue('shadow', tinyModelFile({ version: 's1' })) },
      { key: 'current', value: notUtf8 },
      { key: 'current', value: JSON.stringify({ role: 'current', model: '/etc/passwd' }) },
      { key: 'champion', value: '{}' },
    ]);
    const read = async () => {
      const slots = new ModelSlots();
      const lines: string[] = [];
      const changes = followModelChanges({ brokers, topic, slots, book: new RuleBook(), labelsFed: false, pool: db.pool, log: (l) => lines.push(l) });
      await changes.caughtUp;
      await changes.stop(); // waits for the dead letters being written
      return { slots, lines };
    };
    const first = await read();
    expect(first.slots.shadow?.version).toBe('s1');
    expect(first.lines.filter((l) => l.startsWith('models: refused'))).toHaveLength(3);
    const dead = await db.pool.query<{ stage: string; reason: string; raw_bytes: Buffer; source: string; source_offset: string }>(
      'SELECT stage, reason, raw_bytes, source, source_offset FROM dead_letters ORDER BY source_offset',
    );
    expect(dead.rows.map((r) => [r.stage, r.source, Number(r.source_offset)])).toEqual([
      ['parse-model', topic, 1],
      ['parse-model', topic, 2],
      ['parse-model', topic, 3],
    ]);
    expect(dead.rows[0]!.raw_bytes.equals(notUtf8)).toBe(true);
    expect(dead.rows[0]!.reason).toBe('key "current": the value is not UTF-8');
    expect(dead.rows[1]!.raw_bytes.toString()).toBe(JSON.stringify({ role: 'current', model: '/etc/passwd' }));
    expect(dead.rows[1]!.reason).toBe('key "current": expected { "role": "current", "model": <a model file\'s JSON> } keyed by its role');
    expect(dead.rows[2]!.reason).toBe('key "champion": the key "champion" is not a role: expected current or shadow');
    // a restart reads the compacted topic from its start again: the same refusals, stored once
    const second = await read();
    expect(second.lines.filter((l) => l.startsWith('models: refused'))).toHaveLength(3);
    expect(Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM dead_letters')).rows[0]!.n)).toBe(3);
  }, 120_000);
});
