/**
 * When each suspicious row became visible: the commit time of the transaction that wrote it,
 * `pg_xact_commit_timestamp(xmin)`, which PostgreSQL records only with `track_commit_timestamp = on`.
 */
import type pg from 'pg';
import { coordinates } from './transactions.ts';

/** Whether the server records commit times; a server the benchmark did not start may not. */
export async function tracksCommitTimes(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ track_commit_timestamp: string }>('SHOW track_commit_timestamp');
  return rows[0]?.track_commit_timestamp === 'on';
}

/** Rows of first decisions (revision 0) of `topic`, and rows of revisions. */
export async function countSuspicious(pool: pg.Pool, topic: string): Promise<{ first: number; revisions: number }> {
  const { rows } = await pool.query<{ first: string; revisions: string }>(
    'SELECT count(*) FILTER (WHERE revision = 0) AS first, count(*) FILTER (WHERE revision > 0) AS revisions FROM suspicious_transactions WHERE source = $1',
    [topic],
  );
  return { first: Number(rows[0]?.first ?? 0), revisions: Number(rows[0]?.revisions ?? 0) };
}

/** `<partition>/<offset>` → the commit times (epoch ms) of its first decision's rows: more than one is a double. */
export async function commitTimes(pool: pg.Pool, topic: string): Promise<Map<string, number[]>> {
  const { rows } = await pool.query<{ p: number; o: string; committed: number }>(
    `SELECT source_partition AS p, source_offset AS o, extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000 AS committed
       FROM suspicious_transactions WHERE source = $1 AND revision = 0`,
    [topic],
  );
  return byCoordinates(rows);
}

/** Rows' commit times grouped by their record's `<partition>/<offset>`. */
export function byCoordinates(rows: readonly { p: number; o: string; committed: number }[]): Map<string, number[]> {
  const times = new Map<string, number[]>();
  for (const { p, o, committed } of rows) {
    const key = coordinates(p, o);
    times.set(key, [...(times.get(key) ?? []), Number(committed)]);
  }
  return times;
}

/** The benchmark's rows, when they are in someone else's database. */
export async function deleteSuspicious(pool: pg.Pool, topic: string): Promise<void> {
  await pool.query('DELETE FROM suspicious_transactions WHERE source = $1', [topic]);
  // with BENCH_FRAUD_STORE_TRANSACTIONS=1, every transaction (123 000 rows, 44 MB a run)
  await pool.query('DELETE FROM transactions WHERE source = $1', [topic]);
}

/**
 * The state vigie checkpointed for the benchmark's consumer group (every store named
 * `<group>/<store>`), when it is in someone else's database: the default rules hold each
 * transaction 30 s as a row of its own, 123 000 rows a run, and a table grown by every run
 * makes the next runs' checkpoints slower.
 */
export async function deleteState(pool: pg.Pool, group: string): Promise<void> {
  const stores = `${group.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
  await pool.query('DELETE FROM vigie_state WHERE store LIKE $1', [stores]);
  await pool.query('DELETE FROM vigie_state_offsets WHERE store LIKE $1', [stores]);
}
