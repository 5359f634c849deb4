/**
 * outputTransaction against a real PostgreSQL: the rows go by COPY without a savepoint, and a row
 * the table refuses for its data (an id out of int4's range) rolls that transaction back; the same
 * transaction is then written again with copyRows' savepoint, the refused row a dead letter and
 * the others written, with their partitions' offsets, once each. Several partitions' fences are
 * one statement: each partition's offset lands, and a partition another process advanced is fenced
 * alone.
 */
import type pg from 'pg';
import { of } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputOffsets } from '../../../src/adapters/postgres/outputOffsets.ts';
import { outputTransaction } from '../../../src/adapters/postgres/outputTransaction.ts';
import { TransactionalOutputs } from '../../../src/adapters/postgres/transactionalOutputs.ts';
import { refusedDeadLetter } from '../../../src/streams/acknowledgements.ts';
import type { SuspiciousTransaction } from '../../../src/types.ts';
import { type FreshDatabase, freshDatabase } from '../../helpers/database.ts';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(() => db?.drop());

function row(source: string, partition: number, offset: number, id = 1000 + offset): SuspiciousTransaction {
  return {
    transaction: { id, transaction_id: 50_000 + offset, amount: 15_000.5, currency: 'XAF', timestamp: '2026-11-22T10:00:00.123+01:00' },
    ref: { source, partition, offset },
    reasons: ['amount>10000XAF'],
    score: 1.5,
  };
}

/** An output transaction of `group` owning `partitions` of `topic`, its offsets read as a restore reads them. */
async function owner(group: string, topic: string, partitions: number[]) {
  const offsets = new OutputOffsets(group);
  const staging = new TransactionalOutputs((t, p) => offsets.owns(t, p));
  const client = await db.pool.connect();
  try {
    for (const p of partitions) await offsets.readIn(client, topic, p);
  } finally {
    client.release();
  }
  const lines: string[] = [];
  const transaction = outputTransaction({ pool: db.pool, staging, offsets, refusedDeadLetter: (r) => refusedDeadLetter(r, 'postgres:suspicious_transactions', 0), log: (l) => lines.push(l) });
  const stage = (rows: SuspiciousTransaction[]): void => void of(...rows).pipe(staging.suspicious).subscribe();
  return { transaction, stage, staging, lines };
}

async function stored(pool: pg.Pool, table: string, source: string): Promise<string[]> {
  const { rows } = await pool.query(`SELECT source_partition || '/' || source_offset AS at FROM ${table} WHERE source = $1 ORDER BY source_partition, source_offset`, [source]);
  return rows.map((r) => r.at as string);
}

async function outputOffsets(group: string): Promise<string[]> {
  const { rows } = await db.pool.query("SELECT source_partition || ':' || next_offset AS at FROM vigie_output_offsets WHERE consumer_group = $1 ORDER BY source_partition", [group]);
  return rows.map((r) => r.at as string);
}

describe('outputTransaction', () => {
  it('writes a transaction whose COPY the table refused again with the savepoint: the row at fault a dead letter, the others once', async () => {
    const { transaction, stage, staging, lines } = await owner('g-refused', 'refused', [0, 1]);
    stage([row('refused', 0, 0), row('refused', 0, 1, 2_147_483_648), row('refused', 0, 2), row('refused', 1, 0), row('refused', 1, 1)]);
    const outcome = await transaction.commit([
      { topic: 'refused', partition: 0, offset: 3 },
      { topic: 'refused', partition: 1, offset: 2 },
    ]);
    expect(outcome).toEqual({ fenced: [] });
    expect(await stored(db.pool, 'suspicious_transactions', 'refused')).toEqual(['0/0', '0/2', '1/0', '1/1']);
    expect(await stored(db.pool, 'dead_letters', 'refused')).toEqual(['0/1']);
    expect(await outputOffsets('g-refused')).toEqual(['0:3', '1:2']);
    expect(staging.staged).toBe(0);
    // a data error is the rows' fault, not an outage: nothing said of a failed write
    expect(lines.filter((l) => l.includes('write failed'))).toEqual([]);
  });

  it("advances every partition's offset in one transaction, and fences only the partition another process advanced", async () => {
    const { transaction, stage } = await owner('g-fence', 'fence', [0, 1, 2]);
    stage([row('fence', 0, 0), row('fence', 1, 0), row('fence', 2, 0)]);
    const positions = [0, 1, 2].map((partition) => ({ topic: 'fence', partition, offset: 1 }));
    expect(await transaction.commit(positions)).toEqual({ fenced: [] });
    expect(await outputOffsets('g-fence')).toEqual(['0:1', '1:1', '2:1']);
    // another process took partition 1 and wrote up to 7
    await db.pool.query("UPDATE vigie_output_offsets SET next_offset = 7 WHERE consumer_group = 'g-fence' AND source_partition = 1");
    stage([row('fence', 0, 1), row('fence', 1, 1), row('fence', 2, 1)]);
    const next = [0, 1, 2].map((partition) => ({ topic: 'fence', partition, offset: 2 }));
    const { fenced } = await transaction.commit(next);
    expect(fenced.map((p) => p.partition)).toEqual([1]);
    // all or nothing: the others' rows and offsets wait for the next transaction
    expect(await outputOffsets('g-fence')).toEqual(['0:1', '1:7', '2:1']);
    expect(await stored(db.pool, 'suspicious_transactions', 'fence')).toEqual(['0/0', '1/0', '2/0']);
  });
});
