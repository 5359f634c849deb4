/**
 * copyRows against a real PostgreSQL, inside transactions the test opens: a row out of its
 * column's range is refused with its SQLSTATE and the others written; rows already stored are
 * reported as duplicates, exactly, and never doubled; a rolled-back transaction leaves nothing;
 * without the savepoint, a refused row aborts the caller's transaction and says so (undefined);
 * an error that is not the rows' fault is thrown as toPostgres throws it.
 */
import type pg from 'pg';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CopyOutcome, type CopyTable, copyRows, deadLettersCopy, suspiciousTransactionsCopy } from '../../../src/adapters/postgres/copyRows.ts';
import { toPostgres } from '../../../src/adapters/postgres/toPostgres.ts';
import { VigieError } from '../../../src/errors.ts';
import { retryPolicy } from '../../../src/retry.ts';
import type { DeadLetter, SuspiciousTransaction } from '../../../src/types.ts';
import { type FreshDatabase, freshDatabase } from '../../helpers/database.ts';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(() => db?.drop());

function suspicious(source: string, offset: number, id = 1000 + offset): SuspiciousTransaction {
  return {
    transaction: { id, transaction_id: 50_000 + offset, amount: 15_000.5, currency: 'XAF', timestamp: '2026-11-22T10:00:00.123+01:00' },
    ref: { source, partition: 0, offset },
    reasons: ['amount>10000XAF'],
    score: 1.5,
    decidedAt: 1_795_000_000_000 + offset,
  };
}

function deadLetter(source: string, offset: number, time = 1_795_000_000_000): DeadLetter {
  return { stage: 'parse-transaction', reason: 'invalid JSON', raw: 'x\u0000y', bytes: new Uint8Array([0x78, 0x00, 0xff]), ref: { source, partition: 0, offset }, time };
}

/** copyRows in a transaction of its own, committed (or rolled back when `commit` is false). */
async function inTransaction<T>(table: CopyTable<T>, rows: readonly T[], commit = true): Promise<CopyOutcome<T>> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const outcome = await copyRows(client, table, rows);
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
    return outcome;
  } finally {
    client.release();
  }
}

async function offsets(pool: pg.Pool, table: string, source: string): Promise<number[]> {
  const { rows } = await pool.query(`SELECT source_offset::int AS o FROM ${table} WHERE source = $1 ORDER BY source_offset`, [source]);
  return rows.map((r) => r.o);
}

describe('copyRows', () => {
  it('refuses the row out of its column\'s range with its SQLSTATE and writes the others', async () => {
    const rows = [0, 1, 2, 3, 4].map((o) => suspicious('range', o, o === 2 ? 2_147_483_648 : undefined));
    const outcome = await inTransaction(suspiciousTransactionsCopy, rows);
    expect(outcome.refused.map((r) => r.item)).toEqual([rows[2]]);
    expect(outcome.refused[0]!.reason).toMatch(/SQLSTATE 22003\)$/);
    expect(outcome.written).toEqual([rows[0], rows[1], rows[3], rows[4]]);
    expect(outcome.duplicates).toEqual([]);
    expect(await offsets(db.pool, 'suspicious_transactions', 'range')).toEqual([0, 1, 3, 4]);
  });

  it('without its savepoint, resolves to undefined when the table refuses a row: the caller\'s transaction is aborted, nothing kept', async () => {
    const rows = [0, 1, 2].map((o) => suspicious('bare', o, o === 1 ? 2_147_483_648 : undefined));
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      expect(await copyRows(client, suspiciousTransactionsCopy, rows, { savepoint: false })).toBeUndefined();
      await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      const good = await copyRows(client, suspiciousTransactionsCopy, [rows[0]!, rows[2]!], { savepoint: false });
      await client.query('COMMIT');
      expect(good?.written).toEqual([rows[0], rows[2]]);
    } finally {
      client.release();
    }
    expect(await offsets(db.pool, 'suspicious_transactions', 'bare')).toEqual([0, 2]);
  });

  it('writes the rows a refused COPY never reached: a bad row early in a large batch', async () => {
    // rows are encoded as the stream takes them: those after the error may not be yet
    const rows = Array.from({ length: 10_000 }, (_, o) => suspicious('deep', o, o === 700 ? -2_147_483_649 : undefined));
    const outcome = await inTransaction(suspiciousTransactionsCopy, rows);
    expect(outcome.refused.map((r) => r.item)).toEqual([rows[700]]);
    expect(outcome.written).toEqual(rows.filter((_, o) => o !== 700));
    expect(await offsets(db.pool, 'suspicious_transactions', 'deep')).toHaveLength(9_999);
  });

  it('reports rows already stored as duplicates, exactly, writes the rest and doubles nothing', async () => {
    const rows = Array.from({ length: 10 }, (_, o) => suspicious('half', o));
    // the first half stored before, as an older vigie did with its INSERT
    await lastValueFrom(from(rows.slice(0, 5)).pipe(toPostgres(db.pool, suspiciousTransactionsCopy.writer, { retry: retryPolicy({ retries: 0 }) }), toArray()));
    const again = { ...rows[7]! }; // the same row twice in one batch: written once
    const outcome = await inTransaction(suspiciousTransactionsCopy, [...rows, again]);
    expect(outcome.duplicates).toEqual([...rows.slice(0, 5), again]);
    expect(outcome.written).toEqual(rows.slice(5));
    expect(outcome.refused).toEqual([]);
    expect(await offsets(db.pool, 'suspicious_transactions', 'half')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('sorts a batch with a duplicate and a row out of range: each row in one place', async () => {
    const stored = deadLetter('both', 0);
    await inTransaction(deadLettersCopy, [stored]);
    // received in year 275760: a Date, but past timestamptz ("time zone displacement out of range")
    const rows = [deadLetter('both', 0), deadLetter('both', 1, 8_640_000_000_000_000), deadLetter('both', 2)];
    const outcome = await inTransaction(deadLettersCopy, rows);
    expect(outcome.duplicates).toEqual([rows[0]]);
    expect(outcome.refused.map((r) => [r.item, r.reason.match(/SQLSTATE \w+/)?.[0]])).toEqual([[rows[1], 'SQLSTATE 22009']]);
    expect(outcome.written).toEqual([rows[2]]);
    const { rows: stored2 } = await db.pool.query("SELECT raw, encode(raw_bytes, 'hex') AS bytes FROM dead_letters WHERE source = 'both' AND source_offset = 2");
    expect(stored2).toEqual([{ raw: 'x\u2400y', bytes: '7800ff' }]);
  });

  it('refuses a row no Date can hold before the COPY, and writes the others', async () => {
    const rows = [deadLetter('date', 0), deadLetter('date', 1, 9e15)];
    const outcome = await inTransaction(deadLettersCopy, rows);
    expect(outcome.refused.map((r) => r.item)).toEqual([rows[1]]);
    expect(outcome.refused[0]!.reason).toContain('cannot be written to dead_letters');
    expect(outcome.written).toEqual([rows[0]]);
  });

  it('leaves nothing once the transaction is rolled back', async () => {
    const rows = Array.from({ length: 3 }, (_, o) => suspicious('rolled-back', o));
    const outcome = await inTransaction(suspiciousTransactionsCopy, [...rows, suspicious('rolled-back', 3, 2 ** 40)], false);
    expect(outcome.written).toEqual(rows);
    expect(await offsets(db.pool, 'suspicious_transactions', 'rolled-back')).toEqual([]);
  });

  it('throws SINK_WRITE_FAILED, the table named, when the table is missing', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('ALTER TABLE dead_letters RENAME TO dead_letters_away');
      const error = await copyRows(client, deadLettersCopy, [deadLetter('missing', 0)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VigieError);
      expect(error).toMatchObject({ code: 'SINK_WRITE_FAILED', retriable: false, where: { table: 'dead_letters' } });
      expect((error as Error).message).toMatch(/dead_letters.*does not exist/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('throws DATABASE_UNAVAILABLE, retriable, when the connection is lost', async () => {
    const client = await db.pool.connect();
    // the server's FATAL may come while no query runs: pg then emits it, and a checked-out client has no listener
    client.on('error', () => {});
    try {
      await client.query('BEGIN');
      const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
      await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      const error = await copyRows(client, suspiciousTransactionsCopy, [suspicious('lost', 0)]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retriable: true, where: { table: 'suspicious_transactions' } });
    } finally {
      client.release(true);
    }
    expect(await offsets(db.pool, 'suspicious_transactions', 'lost')).toEqual([]);
  });
});
