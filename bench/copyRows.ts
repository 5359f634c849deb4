/**
 * Suspicious transactions into PostgreSQL: COPY (copyRows, in a transaction per batch, as the
 * fraud flow's commits write them) against today's INSERT … json_to_recordset … ON CONFLICT
 * (toPostgres at its defaults: group commit, 5000 rows, two INSERTs at once), same rows, same
 * table and unique index, in the same run. Each variant starts from an empty table and runs
 * twice, in the order INSERT, COPY, COPY, INSERT, so that neither always runs on a warmer server.
 */
import { loadavg } from 'node:os';
import type pg from 'pg';
import { from, lastValueFrom, reduce } from 'rxjs';
import { copyRows, suspiciousTransactionsCopy } from '../src/adapters/postgres/copyRows.ts';
import { suspiciousTransactionsTable } from '../src/adapters/postgres/tables.ts';
import { toPostgres } from '../src/adapters/postgres/toPostgres.ts';
import { seededRandom } from '../src/random.ts';
import type { SuspiciousTransaction } from '../src/types.ts';
import { withBenchDatabase } from './benchDatabase.ts';
import type { Bench, BenchSection } from './section.ts';

const ROWS = Number(process.env.BENCH_COPY_ROWS ?? 500_000);
/** Rows per COPY transaction: what a group commit of the fraud flow holds under a backlog. */
const COPY_BATCH = Number(process.env.BENCH_COPY_BATCH ?? 20_000);
/** Rows per COPY transaction at a live rate: a few ms of records. */
const SMALL_BATCH = 500;

const pad = (n: number): string => String(n).padStart(2, '0');

/** Rows as the seed's amount rule writes them: its generator's fields, one reason. */
function suspicious(count: number): SuspiciousTransaction[] {
  const random = seededRandom(21);
  const base = Date.UTC(2026, 0, 1);
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(base + i * 37);
    const amount = Math.round((10_000 + random.next() * 990_000) * 100) / 100;
    return {
      transaction: {
        id: 1000 + Math.floor(random.next() * 9000),
        transaction_id: 10_000 + Math.floor(random.next() * 90_000),
        amount,
        currency: 'XAF',
        timestamp: `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`,
      },
      ref: { source: 'bench', partition: 0, offset: i },
      reasons: ['amount>10000XAF'],
      score: amount / 10_000,
      decidedAt: base + i,
    };
  });
}

interface Run {
  readonly rate: number;
  /** This process's CPU seconds (user + system): encoding, the driver, the stream. */
  readonly cpu: number;
  readonly load: number;
}

async function timed(pool: pg.Pool, rows: readonly SuspiciousTransaction[], write: (pool: pg.Pool, rows: readonly SuspiciousTransaction[]) => Promise<void>): Promise<Run> {
  await pool.query('TRUNCATE suspicious_transactions');
  const cpu = process.cpuUsage();
  const started = performance.now();
  await write(pool, rows);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const { rows: count } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM suspicious_transactions');
  if (count[0]?.n !== rows.length) throw new Error(`${count[0]?.n} rows in the table after writing ${rows.length}`);
  return { rate: rows.length / seconds, cpu: (used.user + used.system) / 1e6, load: loadavg()[0]! };
}

async function byInsert(pool: pg.Pool, rows: readonly SuspiciousTransaction[]): Promise<void> {
  const n = await lastValueFrom(from(rows).pipe(toPostgres(pool, suspiciousTransactionsTable), reduce((sum, w) => sum + w.items.length, 0)));
  if (n !== rows.length) throw new Error(`toPostgres reported ${n} of ${rows.length} rows written`);
}

/** copyRows in transactions of `batch` rows, one after another on one connection. */
const byCopy = (batch: number) => async (pool: pg.Pool, rows: readonly SuspiciousTransaction[]): Promise<void> => {
  const client = await pool.connect();
  try {
    for (let i = 0; i < rows.length; i += batch) {
      await client.query('BEGIN');
      const { written } = await copyRows(client, suspiciousTransactionsCopy, rows.slice(i, i + batch));
      await client.query('COMMIT');
      if (written.length !== Math.min(batch, rows.length - i)) throw new Error(`copyRows wrote ${written.length} rows of a batch`);
    }
  } finally {
    client.release();
  }
};

async function copyBench(): Promise<BenchSection> {
  return withBenchDatabase('vigie-bench-copy', async ({ pool }, where) => {
    const rows = suspicious(ROWS);
    // warm-up of both paths: plans, pages, the JIT
    await timed(pool, rows.slice(0, 20_000), byCopy(COPY_BATCH));
    await timed(pool, rows.slice(0, 20_000), byInsert);
    const insert1 = await timed(pool, rows, byInsert);
    const copy1 = await timed(pool, rows, byCopy(COPY_BATCH));
    const copy2 = await timed(pool, rows, byCopy(COPY_BATCH));
    const insert2 = await timed(pool, rows, byInsert);
    // small transactions, as a live flow commits them: what each COPY's savepoint and round trips cost
    const small = await timed(pool, rows, byCopy(SMALL_BATCH));
    const copyName = `COPY (copyRows), ${COPY_BATCH.toLocaleString('en')} rows a transaction`;
    const runs = [
      ['INSERT (toPostgres)', insert1],
      [copyName, copy1],
      [copyName, copy2],
      ['INSERT (toPostgres)', insert2],
      [`COPY (copyRows), ${SMALL_BATCH.toLocaleString('en')} rows a transaction`, small],
    ] as const;
    const ratio = (copy1.rate + copy2.rate) / (insert1.rate + insert2.rate);
    return {
      title: 'Suspicious transactions into PostgreSQL: COPY against INSERT … ON CONFLICT',
      method:
        `${ROWS.toLocaleString('en')} suspicious_transactions rows (the seed's fields, one reason, the input as jsonb) written to a real PostgreSQL (${where}, a fresh database), ` +
        `the table emptied before each run: by toPostgres at its defaults (INSERT … json_to_recordset … ON CONFLICT DO NOTHING, group commit of up to 5 000 rows, two at once), ` +
        `and by copyRows (COPY … FROM STDIN, text format) in transactions of ${COPY_BATCH.toLocaleString('en')} rows (then ${SMALL_BATCH}) on one connection; runs in the order shown, after a warm-up of both.`,
      table: {
        header: ['run', 'rows/s', 'CPU s of this process', 'load average (1 min) after'],
        rows: runs.map(([name, r]) => [name, Math.round(r.rate).toLocaleString('en'), r.cpu.toFixed(1), r.load.toFixed(2)]),
      },
      figures: { 'COPY / INSERT, rows/s': Number(ratio.toFixed(2)) },
      failures: ratio > 1 ? [] : [`COPY (${Math.round(copy1.rate)}, ${Math.round(copy2.rate)} rows/s) is no faster than the INSERT (${Math.round(insert1.rate)}, ${Math.round(insert2.rate)} rows/s)`],
    };
  });
}

export const copyRowsBench: Bench = { name: 'copy', run: copyBench };
