/**
 * COPY stores what the INSERT stores. Any generated batch of suspicious transactions or dead
 * letters is written twice, into two databases: by toPostgres's INSERT (tables.ts, what vigie
 * wrote until now) and by copyRows in a transaction; the tables must then read back the same,
 * column by column (amounts, timestamps to the ms, text[] with quotes and braces, jsonb, the exact
 * bytes), and the rows refused must be the same rows, for the same reason.
 *
 * A COPY that the server refused falls back to the INSERT and would pass unseen: so when the
 * INSERT refused nothing, copyRows must not have rolled its COPY back.
 *
 * The rules that fired (`fired`, jsonb) read back from the table as the alert and the JSONL log
 * line carry them: one explanation, whichever an analyst opens.
 */
import fc from 'fast-check';
import type pg from 'pg';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterBatch, flowDeadLetterBatch, flowSuspiciousBatch, suspiciousBatch } from '../../../fuzz/arbitraries/rows.ts';
import { type CopyOutcome, type CopyTable, copyRows, deadLettersCopy, suspiciousTransactionsCopy } from '../../../src/adapters/postgres/copyRows.ts';
import { toPostgres } from '../../../src/adapters/postgres/toPostgres.ts';
import { alertMessage } from '../../../src/cli/alertMessage.ts';
import { retryPolicy } from '../../../src/retry.ts';
import { type FreshDatabase, freshDatabase } from '../../helpers/database.ts';

let byInsert: FreshDatabase;
let byCopy: FreshDatabase;
beforeAll(async () => {
  [byInsert, byCopy] = await Promise.all([freshDatabase(), freshDatabase()]);
});
afterAll(() => Promise.all([byInsert?.drop(), byCopy?.drop()]));

/** The table as text, one line per row, every column but the serial id, in key order. */
async function contents(pool: pg.Pool, table: string): Promise<string[]> {
  const { rows } = await pool.query(`SELECT (to_jsonb(t) - 'id')::text AS row FROM ${table} t ORDER BY source, source_partition, source_offset`);
  return rows.map((r) => r.row);
}

/** copyRows in a transaction it commits, and the statements it sent. */
async function copyCommitted<T>(table: CopyTable<T>, rows: readonly T[]): Promise<{ outcome: CopyOutcome<T>; statements: string[] }> {
  const client = await byCopy.pool.connect();
  const statements: string[] = [];
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  // a recorder on the real client: it only notes the SQL text and passes every call on
  (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
    if (typeof args[0] === 'string') statements.push(args[0]);
    return query(...args);
  };
  try {
    await client.query('BEGIN');
    const outcome = await copyRows(client, table, rows);
    await client.query('COMMIT');
    return { outcome, statements };
  } finally {
    (client as unknown as { query: unknown }).query = query;
    client.release();
  }
}

async function sameBothWays<T>(table: CopyTable<T>, rows: T[]): Promise<CopyOutcome<T>> {
  const name = table.writer.table;
  const written = await lastValueFrom(
    from(rows).pipe(toPostgres(byInsert.pool, table.writer, { batch: { size: 1_000, lingerMs: 1 }, retry: retryPolicy({ retries: 0 }) }), toArray()),
  );
  const refusedByInsert = written.flatMap((w) => w.refused ?? []);
  const { outcome, statements } = await copyCommitted(table, rows);
  try {
    const reasons = (refused: readonly { item: T; reason: string }[]) => refused.map((r) => [rows.indexOf(r.item), r.reason]).sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(reasons(outcome.refused)).toEqual(reasons(refusedByInsert));
    expect(outcome.duplicates).toEqual([]);
    expect(outcome.written.length + outcome.refused.length).toBe(rows.length);
    expect(await contents(byCopy.pool, name)).toEqual(await contents(byInsert.pool, name));
    if (refusedByInsert.length === 0) expect(statements).not.toContain('ROLLBACK TO SAVEPOINT vigie_copy');
    return outcome;
  } finally {
    await Promise.all([byInsert.pool.query(`TRUNCATE ${name}`), byCopy.pool.query(`TRUNCATE ${name}`)]);
  }
}

/** Every batch drawn is stored alike both ways; `allTaken`: and the database took every row. */
function holds<T>(table: CopyTable<T>, batch: fc.Arbitrary<T[]>, seed: number, allTaken = false): Promise<void> {
  const property = fc.asyncProperty(batch, async (rows) => {
    const outcome = await sameBothWays(table, rows);
    if (allTaken) expect(outcome.refused.map((r) => r.reason)).toEqual([]);
  });
  return fc.assert(property, { numRuns: 60, seed });
}

describe('copyRows stores what the INSERT of tables.ts stores', () => {
  it('suspicious transactions: parsed and built by hand, refused alike', () => holds(suspiciousTransactionsCopy, suspiciousBatch('property'), 21));
  it('suspicious transactions as the flow writes them: all taken by the COPY itself', () => holds(suspiciousTransactionsCopy, flowSuspiciousBatch('flow'), 22, true));
  it('dead letters: exact bytes, NULs shown as U+2400, refused alike', () => holds(deadLettersCopy, deadLetterBatch('property'), 23));
  it('dead letters as the flow writes them: all taken by the COPY itself', () => holds(deadLettersCopy, flowDeadLetterBatch('flow'), 24, true));
});

describe('the rules that fired, alike in the row, the alert and the JSONL log', () => {
  it('reads back from `fired` what the alert and the log line carry', () => fc.assert(
    fc.asyncProperty(flowSuspiciousBatch('fired'), async (rows) => {
      const client = await byCopy.pool.connect();
      try {
        await client.query('BEGIN');
        // a reason with a NUL is refused (text[]): the rows taken are compared
        const { written } = await copyRows(client, suspiciousTransactionsCopy, rows);
        await client.query('COMMIT');
        const stored = await client.query("SELECT source_partition, source_offset, revision, fired FROM suspicious_transactions WHERE source = 'fired' ORDER BY source_offset");
        expect(stored.rows).toHaveLength(written.length);
        written.forEach((row, i) => {
          const alert = JSON.parse(alertMessage('alerts')(row).value as string) as { fired?: unknown };
          const line = JSON.parse(JSON.stringify(row)) as { fired?: unknown };
          expect(stored.rows[i].fired).toEqual(alert.fired ?? null);
          expect(stored.rows[i].fired).toEqual(line.fired ?? null);
        });
        expect(rows.some((row) => row.fired !== undefined) || rows.length < 3).toBe(true); // the property tests something
      } finally {
        await client.query("DELETE FROM suspicious_transactions WHERE source = 'fired'");
        client.release();
      }
    }),
    { numRuns: 40, seed: 25 },
  ));
});
