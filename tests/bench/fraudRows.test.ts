/**
 * The fraud benchmark's clean-up in a database it did not start: vigie's checkpointed state of
 * the benchmark's group goes with the run (123 000 rows of held transactions a run with the
 * default rules had been left behind, slowing the next runs' checkpoints), and no other group's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteState, deleteSuspicious } from '../../bench/fraud/rows.ts';
import { type FreshDatabase, freshDatabase } from '../helpers/database.ts';

describe("the fraud benchmark's clean-up", () => {
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.drop());

  it("deletes the state of the benchmark's group, and only that", async () => {
    // `_` and `%` in a group name are matched as themselves, not as patterns
    const groups = ['bench_1-vigie', 'bench_1-vigie2', 'benchX1-vigie', 'other'];
    for (const group of groups) {
      for (const store of ['fraud-rules', 'fraud-rules-held']) {
        await db.pool.query("INSERT INTO vigie_state VALUES ($1, 't', 0, '\"k\"', '1', 5)", [`${group}/${store}`]);
        await db.pool.query("INSERT INTO vigie_state_offsets (store, topic, source_partition, covered_offset) VALUES ($1, 't', 0, 5)", [`${group}/${store}`]);
      }
    }
    await deleteState(db.pool, 'bench_1-vigie');
    const left = async (table: string) => (await db.pool.query<{ store: string }>(`SELECT store FROM ${table} ORDER BY store`)).rows.map((r) => r.store);
    const others = groups.slice(1).flatMap((g) => [`${g}/fraud-rules`, `${g}/fraud-rules-held`]).sort();
    expect(await left('vigie_state')).toEqual(others);
    expect(await left('vigie_state_offsets')).toEqual(others);
  });

  it("deletes the run's stored transactions (BENCH_FRAUD_STORE_TRANSACTIONS=1), and only those", async () => {
    for (const source of ['bench-a', 'bench-ab', 'other']) {
      await db.pool.query("INSERT INTO transactions (source, source_partition, source_offset, event_time, account, transaction_id, input, received_at) VALUES ($1, 0, 0, now(), 'A', 1, '{}', now())", [source]);
    }
    await deleteSuspicious(db.pool, 'bench-a');
    expect((await db.pool.query<{ source: string }>('SELECT source FROM transactions ORDER BY source')).rows.map((r) => r.source)).toEqual(['bench-ab', 'other']);
  });
});
