/**
 * The PostgreSQL sink: batches records and writes each batch in one round trip, then reports it
 * written, so the source can commit exactly what is durable.
 *
 * Batches form as a database's group commit does (`groupCommit`): an INSERT holds everything that
 * arrived while the INSERTs before it ran, so under load batches grow to what the database can
 * take and none queues behind another, and at low rates a row waits at most `lingerMs` before its
 * INSERT starts. By default two INSERTs run at once, on two connections of the pool: the database
 * works on one batch while the next travels, and throughput rose from 26 000 to 44 000 rows/s in
 * `npm run bench -- kafka`. Their reports may then arrive out of order, which acknowledgements do
 * not mind: each record is acknowledged on its own.
 *
 * While the database is away (restart, failover, a dropped connection) each batch is retried whole
 * with the {@link RetryPolicy}, and later rows wait behind them: what piles up is bounded by the
 * source's own limit of records in flight. A retry can repeat a write whose reply was lost; the
 * table's `ON CONFLICT ... DO NOTHING` makes that harmless.
 *
 * A batch refused for its data (SQLSTATE classes 22, data exception, and 23, integrity
 * constraint violation) is split until the rows at fault stand alone (`splitRefused`): they are
 * reported `refused` with the database's reason, the others written, so one bad row never stops
 * the stream. Other errors a retry cannot fix (a missing table, a permission) end the stream with
 * the table named.
 *
 * ```
 * source:  -a-b-c-d-----e-|
 *          toPostgres(pool, table, { batch: { size: 2, lingerMs: 3, concurrency: 1 } })   (each INSERT takes 1 frame)
 * output:  -----x-y-------(z|)     x = { sink: 'postgres:<table>', items: [a, b] }, y = [c, d], z = [e]
 *
 * with c out of its column's range:
 * output:  -----x-----y---(z|)     y = { items: [d], refused: [{ item: c, reason: '... (SQLSTATE 22003)' }] }
 * ```
 *
 * @example
 * detections$.pipe(toPostgres(pool, sensorDetectionsTable)).subscribe(({ items }) => ack(items));
 */
import type pg from 'pg';
import { type Observable, type OperatorFunction, type SchedulerLike, asyncScheduler, defer, map } from 'rxjs';
import { groupCommit } from '../../operators/groupCommit.ts';
import { type RetryPolicy, defaultRetryPolicy, retryWith } from '../../retry.ts';
import type { Written } from '../../types.ts';
import { writeError } from './databaseErrors.ts';
import { splitRefused } from './splitRefused.ts';
import type { TableWriter } from './tables.ts';

export const defaultPostgresBatch = { size: 5000, lingerMs: 5, concurrency: 2 } as const;

export interface ToPostgresOptions {
  /**
   * Rows per INSERT at most, how long a row arriving while idle waits for others, INSERTs at once.
   * Without `batch`, {@link defaultPostgresBatch}: 5000 rows, 5 ms, 2 INSERTs at once; a `batch`
   * without `concurrency` runs one INSERT at a time.
   */
  readonly batch?: { readonly size: number; readonly lingerMs: number; readonly concurrency?: number };
  /** Default: {@link defaultRetryPolicy}, which retries for ever while the database is away. */
  readonly retry?: RetryPolicy;
  readonly scheduler?: SchedulerLike;
}

/**
 * @param pool Give it an `error` listener: pg-pool re-emits the errors of idle clients (e.g. when
 *   the server restarts) and an unheard `error` event kills the process.
 * @param table How rows of `T` are written; see `tables.ts`.
 * @return One {@link Written} per batch, after its INSERT committed: in source order when one
 *   INSERT runs at a time, in the order they commit when several do (the default).
 */
export function toPostgres<T>(
  pool: pg.Pool,
  table: TableWriter<T>,
  options: ToPostgresOptions = {},
): OperatorFunction<T, Written<T>> {
  const { retry = defaultRetryPolicy, scheduler = asyncScheduler } = options;
  const { size, lingerMs, concurrency = 1 } = options.batch ?? defaultPostgresBatch;
  const sink = `postgres:${table.table}`;
  const write = (rows: T[]): Observable<Written<T>> =>
    splitRefused(rows, (part) => defer(() => insert(pool, table, part)).pipe(retryWith(retry, scheduler))).pipe(
      map(({ items, refused }): Written<T> => (refused.length === 0 ? { sink, items } : { sink, items, refused })),
    );
  return groupCommit(write, { size, lingerMs, concurrency, scheduler });
}

/**
 * One statement through `pool.query`, which hands the client back with the error when the query
 * fails, so pg-pool destroys it: a connection that died is never reused.
 */
async function insert<T>(pool: pg.Pool, table: TableWriter<T>, rows: readonly T[]): Promise<void> {
  try {
    await pool.query(table.sql, table.params(rows));
  } catch (cause) {
    throw writeError(table.table, rows.length, cause);
  }
}
