/**
 * Rows into PostgreSQL by COPY, inside a transaction the caller opened, with the table's unique
 * key as the last guard. COPY costs the server about half what `INSERT … ON CONFLICT` does, but
 * it stops at the first row it cannot take; then the rows go the INSERT's way, in the same
 * transaction:
 *
 * - a data error (SQLSTATE class 22 or 23: a number out of a column's range, a NUL, a row already
 *   stored): back to the savepoint taken before the COPY, then the table's own INSERT … ON
 *   CONFLICT DO NOTHING, RETURNING the key, split until the rows at fault stand alone
 *   (`splitRefused`), each attempt under a savepoint of its own. The rows at fault are `refused`
 *   with the database's reason; a row whose key the INSERT did not return was already stored
 *   (by an earlier run, or twice in the batch) and is reported among `duplicates`, never dropped
 *   silently.
 * - anything else (the connection lost, a missing table) is thrown as `toPostgres` throws it: a
 *   VigieError DATABASE_UNAVAILABLE (retriable) or SINK_WRITE_FAILED, the table named; the
 *   caller rolls its transaction back.
 *
 * ```
 * rows:     [a, b, c, d]     c out of its column's range, d already in the table
 * COPY      ✗ (22003) → ROLLBACK TO SAVEPOINT → INSERT … RETURNING, split: [a, b] ✓ [c] ✗ [d] ✓ (no key back)
 * outcome:  { written: [a, b], refused: [{ item: c, reason: '… (SQLSTATE 22003)' }], duplicates: [d] }
 * ```
 *
 * A row whose values cannot even be encoded (a time no Date holds) is refused before the COPY,
 * with the encoder's words: the INSERT's parameters would fail the same way, for the whole batch.
 *
 * @example
 * await client.query('BEGIN');
 * const { written, refused, duplicates } = await copyRows(client, suspiciousTransactionsCopy, rows);
 * await client.query('COMMIT');
 */
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { defer, lastValueFrom } from 'rxjs';
import type { DeadLetter, Refused, StoredTransaction, SuspiciousTransaction } from '../../types.ts';
import { dataError, writeError } from './databaseErrors.ts';
import { type CopyEncoder, copyLineOf, jsonEncoder, parameterEncoder } from './copyText.ts';
import { splitRefused } from './splitRefused.ts';
import { type TableValues, deadLettersTable, suspiciousTransactionsTable, transactionsTable } from './tables.ts';

export interface CopyOutcome<T> {
  readonly written: T[];
  readonly refused: Refused<T>[];
  /** Rows whose key was already in the table (or earlier in the same rows): not written again. */
  readonly duplicates: T[];
}

/** How rows of `T` are copied into a table: built from the table's INSERT writer, so both store the same. */
export interface CopyTable<T> {
  readonly writer: TableValues<T>;
  /** One row as a line of COPY's text format. */
  line(row: T): string;
  /** The row's unique key as the INSERT's RETURNING gives it back (each column as text). */
  key(row: T): string;
}

export function copyTable<T>(writer: TableValues<T>): CopyTable<T> {
  const encoders: CopyEncoder[] = writer.types.map((type) => (writer.sends === 'json' ? jsonEncoder(type) : parameterEncoder()));
  const keyAt = writer.conflict.map((name) => writer.columns.indexOf(name));
  return {
    writer,
    line: (row) => copyLineOf(row, writer.getters, encoders),
    key: (row) => {
      const values = writer.values(row);
      // stored text is UTF-8: a lone surrogate comes back as U+FFFD
      return keyAt.map((i) => String(values[i]).replace(/\p{Cs}/gu, '\uFFFD')).join('\u0000');
    },
  };
}

export const suspiciousTransactionsCopy: CopyTable<SuspiciousTransaction> = copyTable(suspiciousTransactionsTable);
export const deadLettersCopy: CopyTable<DeadLetter> = copyTable(deadLettersTable);
export const transactionsCopy: CopyTable<StoredTransaction> = copyTable(transactionsTable);

/**
 * Lines per chunk written to the COPY stream. Rows are encoded a chunk at a time as the stream
 * takes them, so the server parses and indexes one chunk while this process encodes the next.
 */
const CHUNK_LINES = 500;

/**
 * Inside a transaction the caller opened (it uses SAVEPOINTs for its fallbacks).
 *
 * `{ savepoint: false }`: the COPY alone, without the two round trips of its savepoint (a third
 * of a live transaction's statements); when the table refuses a row for its data, the caller's
 * transaction is aborted and this resolves to `undefined`: roll back and write again with the
 * savepoint. Data errors are rare (a poison row that passed validation), round trips are not.
 */
export async function copyRows<T>(client: pg.ClientBase, table: CopyTable<T>, rows: readonly T[]): Promise<CopyOutcome<T>>;
export async function copyRows<T>(client: pg.ClientBase, table: CopyTable<T>, rows: readonly T[], options: { savepoint: false }): Promise<CopyOutcome<T> | undefined>;
export async function copyRows<T>(client: pg.ClientBase, table: CopyTable<T>, rows: readonly T[], { savepoint = true } = {}): Promise<CopyOutcome<T> | undefined> {
  if (rows.length === 0) return { written: [], refused: [], duplicates: [] };
  const name = table.writer.table;
  const lines = encoding(table, rows);
  const run = (sql: string): Promise<unknown> => query(client, name, rows.length, sql);
  const copy = (): Promise<void> => pipeline(lines.chunks(), client.query(copyFrom(`COPY ${name} (${table.writer.columns.join(', ')}) FROM STDIN`)));
  if (!savepoint) {
    try {
      await copy();
    } catch (error) {
      if (dataError(error) === undefined) throw writeError(name, rows.length, error);
      return undefined;
    }
    const { encoded, refused } = lines.finish();
    return { written: encoded, refused, duplicates: [] };
  }
  await run('SAVEPOINT vigie_copy');
  try {
    await copy();
  } catch (error) {
    if (dataError(error) === undefined) throw writeError(name, rows.length, error);
    await run('ROLLBACK TO SAVEPOINT vigie_copy');
    const { encoded, refused } = lines.finish();
    const outcome = await insertReturningKeys(client, table, encoded);
    await run('RELEASE SAVEPOINT vigie_copy');
    return { ...outcome, refused: [...refused, ...outcome.refused] };
  }
  await run('RELEASE SAVEPOINT vigie_copy');
  const { encoded, refused } = lines.finish();
  return { written: encoded, refused, duplicates: [] };
}

/** The rows' lines, chunk by chunk; a row that cannot be encoded is refused, not copied. */
function encoding<T>(table: CopyTable<T>, rows: readonly T[]) {
  let next = 0;
  const encoded: T[] = [];
  const refused: Refused<T>[] = [];
  function* chunks(): Generator<Buffer> {
    while (next < rows.length) {
      const end = Math.min(next + CHUNK_LINES, rows.length);
      let text = '';
      for (; next < end; next++) {
        const row = rows[next]!;
        try {
          text += table.line(row);
          encoded.push(row);
        } catch (error) {
          refused.push({ item: row, reason: `cannot be written to ${table.writer.table}: ${(error as Error)?.message ?? error}` });
        }
      }
      yield Buffer.from(text, 'utf8');
    }
  }
  return {
    chunks,
    /** Every row encoded (those a refused COPY did not reach too), and those refused. */
    finish: () => {
      for (const _ of chunks());
      return { encoded, refused };
    },
  };
}

/** The rows by the table's INSERT … ON CONFLICT DO NOTHING, split around the rows at fault. */
async function insertReturningKeys<T>(client: pg.ClientBase, table: CopyTable<T>, rows: T[]): Promise<CopyOutcome<T>> {
  const { writer } = table;
  const sql = `${writer.sql} RETURNING ${writer.conflict.map((c) => `${c}::text`).join(', ')}`;
  const returned = new Map<string, number>();
  const insert = async (part: T[]): Promise<void> => {
    await query(client, writer.table, part.length, 'SAVEPOINT vigie_insert');
    try {
      const result = await client.query<unknown[]>({ text: sql, values: writer.params(part), rowMode: 'array' });
      for (const key of result.rows) {
        const text = key.join('\u0000');
        returned.set(text, (returned.get(text) ?? 0) + 1);
      }
    } catch (error) {
      await query(client, writer.table, part.length, 'ROLLBACK TO SAVEPOINT vigie_insert');
      throw writeError(writer.table, part.length, error);
    }
    await query(client, writer.table, part.length, 'RELEASE SAVEPOINT vigie_insert');
  };
  const { items, refused } = await lastValueFrom(splitRefused(rows, (part) => defer(() => insert(part))));
  const written: T[] = [];
  const duplicates: T[] = [];
  for (const item of items) {
    // each key returned stands for one row written: a key twice in the batch is written once
    const key = table.key(item);
    const count = returned.get(key) ?? 0;
    if (count > 0) {
      returned.set(key, count - 1);
      written.push(item);
    } else {
      duplicates.push(item);
    }
  }
  return { written, refused, duplicates };
}

async function query(client: pg.ClientBase, table: string, rows: number, sql: string): Promise<unknown> {
  try {
    return await client.query(sql);
  } catch (error) {
    throw writeError(table, rows, error);
  }
}
