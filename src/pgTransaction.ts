/**
 * One PostgreSQL transaction on a client checked out of a pool, the way every multi-statement
 * write of vigie runs it: BEGIN, the caller's statements, COMMIT (or ROLLBACK when they throw or
 * the caller says so), and the client back to the pool, destroyed after a failure so that a dead
 * connection is never reused.
 *
 * node-postgres emits `error` on a client whose connection ends, even while a query runs (which
 * fails too); unheard while the client is checked out, that event would end the process: it is
 * heard here for as long as the transaction runs.
 */
import type pg from 'pg';

export interface TransactionBody<T> {
  readonly result: T;
  /** False: roll back instead (nothing went wrong, but nothing may be kept). */
  readonly commit: boolean;
}

/**
 * @param body the statements, on the transaction's client
 * @param undo called on any failure (connecting included) before it is thrown: give back what
 *   the transaction was to write
 * @param begin the opening statement, e.g. `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  body: (client: pg.PoolClient) => Promise<TransactionBody<T>>,
  undo: (error: unknown) => void = () => {},
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect().catch((error: unknown) => {
    undo(error);
    throw error;
  });
  let failure: unknown;
  const dropped = (error: Error): void => void (failure ??= error);
  client.on('error', dropped);
  try {
    await client.query(begin);
    const { result, commit } = await body(client);
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
    return result;
  } catch (error) {
    failure = error;
    await client.query('ROLLBACK').catch(() => {});
    undo(error);
    throw error;
  } finally {
    client.off('error', dropped);
    client.release(failure instanceof Error ? failure : undefined);
  }
}
