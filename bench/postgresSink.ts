/**
 * The PostgreSQL sink's throughput, batched, against what a naive sink does: one parameterised
 * `INSERT ... ON CONFLICT DO NOTHING` per row, each awaited before the next. Batching is the
 * reason `toPostgres` exists (one `unnest` INSERT per batch, one round trip); this puts a number
 * on it, beside toPostgres at batch size 1 (the same statement per row), which separates the
 * round trips saved from the cost of the `unnest` statement itself.
 *
 * A real PostgreSQL: an embedded one in a temporary directory, unless `DATABASE_URL` is set; in
 * both cases a fresh database, migrated by `openDatabase` as the app does, dropped afterwards.
 * Each variant writes its own rows (its own `source`), counted in the table afterwards.
 */
import type pg from 'pg';
import { from, lastValueFrom, reduce } from 'rxjs';
import { sensorDetectionsTable } from '../src/adapters/postgres/tables.ts';
import { defaultPostgresBatch, toPostgres } from '../src/adapters/postgres/toPostgres.ts';
import { seededRandom } from '../src/random.ts';
import type { Detection } from '../src/types.ts';
import { withBenchDatabase } from './benchDatabase.ts';
import type { Bench, BenchSection } from './section.ts';

const BATCHED_ROWS = Number(process.env.BENCH_POSTGRES_ROWS ?? 100_000);
const PER_ROW_ROWS = Number(process.env.BENCH_POSTGRES_PER_ROW_ROWS ?? 20_000);

function detections(source: string, count: number): Detection[] {
  const random = seededRandom(11);
  const base = Date.UTC(2026, 0, 1);
  return Array.from({ length: count }, (_, i) => ({
    topic: 'humidite',
    value: 50 + random.normal(),
    time: base + i * 100,
    state: random.next() < 0.01 ? -1 : 1,
    detector: 'dbscan',
    score: random.next(),
    fill: 1,
    ref: { source, partition: 0, offset: i },
  }));
}

/** Rows per second through `toPostgres` with the given batching (its default when omitted). */
async function throughToPostgres(pool: pg.Pool, rows: Detection[], batch?: { size: number; lingerMs: number }): Promise<number> {
  const started = performance.now();
  const written = await lastValueFrom(
    from(rows).pipe(toPostgres(pool, sensorDetectionsTable, batch ? { batch } : {}), reduce((n, w) => n + w.items.length, 0)),
  );
  if (written !== rows.length) throw new Error(`toPostgres reported ${written} of ${rows.length} rows written`);
  return rows.length / ((performance.now() - started) / 1000);
}

/** The naive sink: the same columns and conflict target, one INSERT per row, awaited in turn. */
async function rowByRow(pool: pg.Pool, rows: Detection[]): Promise<number> {
  const columns = sensorDetectionsTable.columns;
  const sql =
    `INSERT INTO sensor_detections (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) ` +
    'ON CONFLICT (source, source_partition, source_offset, detector) DO NOTHING';
  const started = performance.now();
  for (const row of rows) {
    // toPostgres's own column mapping, one row's worth: identical values, only the statement differs.
    await pool.query(sql, sensorDetectionsTable.params([row]).map((column) => (column as unknown[])[0]));
  }
  return rows.length / ((performance.now() - started) / 1000);
}

async function countRows(pool: pg.Pool, source: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM sensor_detections WHERE source = $1', [source]);
  return Number(rows[0]?.n ?? 0);
}

async function postgresSink(): Promise<BenchSection> {
  return withBenchDatabase('vigie-bench', async (db, where) => {
    const { pool } = db;

    // Warm up the connection, the plan caches and the index pages on both paths.
    await throughToPostgres(pool, detections('warm-up-batched', 2_000));
    await rowByRow(pool, detections('warm-up-per-row', 500));

    const batchedRate = await throughToPostgres(pool, detections('batched', BATCHED_ROWS));
    const sizeOneRate = await throughToPostgres(pool, detections('batch-of-1', PER_ROW_ROWS), { size: 1, lingerMs: 0 });
    const perRowRate = await rowByRow(pool, detections('per-row', PER_ROW_ROWS));
    const counts = {
      batched: await countRows(pool, 'batched'),
      'batch-of-1': await countRows(pool, 'batch-of-1'),
      'per-row': await countRows(pool, 'per-row'),
    };
    const ratio = batchedRate / perRowRate;
    const failures: string[] = [];
    const expected = { batched: BATCHED_ROWS, 'batch-of-1': PER_ROW_ROWS, 'per-row': PER_ROW_ROWS };
    for (const [source, n] of Object.entries(counts)) {
      if (n !== expected[source as keyof typeof expected]) failures.push(`${source}: ${n} rows in the table, not ${expected[source as keyof typeof expected]}`);
    }
    if (ratio <= 1) failures.push(`batched toPostgres (${Math.round(batchedRate)} rows/s) is no faster than one INSERT per row (${Math.round(perRowRate)} rows/s)`);
    return {
      title: 'PostgreSQL sink: batched against one INSERT per row',
      method:
        `sensor_detections rows written to a real PostgreSQL (${where}, a fresh database migrated by openDatabase): ` +
        `${BATCHED_ROWS.toLocaleString('en')} through toPostgres at its default batching (group commit: up to ${defaultPostgresBatch.size.toLocaleString('en')} rows an INSERT, each holding what arrived during the previous one; one unnest INSERT per batch), ` +
        `${PER_ROW_ROWS.toLocaleString('en')} through toPostgres at batch size 1, and ${PER_ROW_ROWS.toLocaleString('en')} as one parameterised ` +
        'INSERT ... ON CONFLICT DO NOTHING per row, awaited one after another (the naive sink). One connection at a time in each case.',
      figures: {
        'toPostgres, default batching (rows/s)': Math.round(batchedRate),
        'toPostgres, batch size 1 (rows/s)': Math.round(sizeOneRate),
        'one INSERT per row, awaited in turn (rows/s)': Math.round(perRowRate),
        'speed-up of batching over one INSERT per row': Number(ratio.toFixed(1)),
        'rows in the table, batched': counts.batched,
        'rows in the table, batch size 1': counts['batch-of-1'],
        'rows in the table, one INSERT per row': counts['per-row'],
      },
      failures,
    };
  });
}

export const postgresSinkBench: Bench = { name: 'postgres', run: postgresSink };
