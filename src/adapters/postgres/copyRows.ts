/**
 * STAND-IN until the `copy` branch lands its COPY module under this name and interface: rows go
 * in by the existing INSERT … ON CONFLICT DO NOTHING of {@link TableWriter}, inside the caller's
 * transaction, with SAVEPOINTs for the fallbacks, so the transactional path can be built and
 * tested meanwhile. Same contract: rows a data error refuses are reported `refused` with the
 * database's reason (found by splitting, as toPostgres does), rows already stored `duplicates`.
 */
import type pg from 'pg';
import type { DeadLetter, Refused, SuspiciousTransaction } from '../../types.ts';
import { type TableWriter, deadLettersTable, readable, suspiciousTransactionsTable } from './tables.ts';

export interface CopyOutcome<T> {
  readonly written: T[];
  readonly refused: Refused<T>[];
  readonly duplicates: T[];
}

export interface CopyTable<T> {
  readonly writer: TableWriter<T>;
  /** The unique key's columns, as RETURNING gives them back. */
  readonly keyColumns: readonly string[];
  /** A row's unique key, as the text of those columns joined by NUL. */
  readonly key: (row: T) => string;
}

export const suspiciousTransactionsCopy: CopyTable<SuspiciousTransaction> = {
  writer: suspiciousTransactionsTable,
  keyColumns: ['source', 'source_partition', 'source_offset', 'revision'],
  key: (s) => [s.ref.source, s.ref.partition, s.ref.offset, s.revision ?? 0].join('\u0000'),
};

export const deadLettersCopy: CopyTable<DeadLetter> = {
  writer: deadLettersTable,
  keyColumns: ['source', 'source_partition', 'source_offset', 'stage'],
  key: (d) => [d.ref.source, d.ref.partition, d.ref.offset, readable(d.stage)].join('\u0000'),
};

const SPLIT = 16;

/** Inside a transaction the caller opened (it uses SAVEPOINTs for its fallbacks). */
export async function copyRows<T>(client: pg.ClientBase, table: CopyTable<T>, rows: readonly T[]): Promise<CopyOutcome<T>> {
  const outcome: CopyOutcome<T> = { written: [], refused: [], duplicates: [] };
  if (rows.length > 0) await insertPart(client, table, rows, outcome);
  return outcome;
}

async function insertPart<T>(client: pg.ClientBase, table: CopyTable<T>, rows: readonly T[], outcome: CopyOutcome<T>): Promise<void> {
  await client.query('SAVEPOINT vigie_copy');
  try {
    // any unique key, or none: the offsets beside the rows are what make a row written once
    const sql = `${table.writer.sql.replace(/ON CONFLICT \([^)]*\) DO NOTHING$/, 'ON CONFLICT DO NOTHING')} RETURNING ${table.keyColumns.join(', ')}`;
    const { rows: stored } = await client.query<Record<string, unknown>>(sql, table.writer.params(rows));
    await client.query('RELEASE SAVEPOINT vigie_copy');
    const keys = new Set(stored.map((r) => table.keyColumns.map((c) => String(r[c])).join('\u0000')));
    for (const row of rows) (keys.has(table.key(row)) ? outcome.written : outcome.duplicates).push(row);
  } catch (error) {
    const reason = dataError(error);
    if (reason === undefined) throw error;
    await client.query('ROLLBACK TO SAVEPOINT vigie_copy');
    await client.query('RELEASE SAVEPOINT vigie_copy');
    if (rows.length === 1) {
      outcome.refused.push({ item: rows[0]!, reason });
      return;
    }
    const size = Math.ceil(rows.length / SPLIT);
    for (let i = 0; i < rows.length; i += size) await insertPart(client, table, rows.slice(i, i + size), outcome);
  }
}

function dataError(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^2[23][0-9A-Z]{3}$/.test(code)) return undefined;
  return `${(error as Error).message} (SQLSTATE ${code})`;
}
