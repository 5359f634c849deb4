/**
 * What a PostgreSQL sink makes of the database's errors: the rows' own fault (a dead letter), the
 * database away (retry), or something a retry cannot fix (stop, the table named). Shared by the
 * INSERT of `toPostgres` and the COPY of `copyRows`, so both say the same of the same error.
 */
import { VigieError, isRetriable } from '../../errors.ts';

/** The database's reason when it refused the rows themselves (SQLSTATE class 22 or 23), else undefined. */
export function dataError(error: unknown): string | undefined {
  const code = sqlState(error);
  if (code === undefined || !/^2[23][0-9A-Z]{3}$/.test(code)) return undefined;
  const cause = error instanceof VigieError ? error.cause : error;
  return `${(cause as Error).message} (SQLSTATE ${code})`;
}

/** The SQLSTATE of a database error, also when wrapped in a {@link VigieError}. */
export function sqlState(error: unknown): string | undefined {
  const cause = error instanceof VigieError ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A failed write as vigie reports it: DATABASE_UNAVAILABLE (retriable) when the database is away
 * or asks for a retry, SINK_WRITE_FAILED otherwise (a data error too: the caller splits the rows).
 */
export function writeError(table: string, rows: number, cause: unknown): VigieError {
  if (cause instanceof VigieError) return cause;
  const where = { table };
  const message = `could not write ${rows} rows to ${table}: ${(cause as Error)?.message ?? cause}`;
  if (isRetriable(cause) || isConnectionLost(cause)) {
    return new VigieError('DATABASE_UNAVAILABLE', message, { where, cause, retriable: true });
  }
  return new VigieError('SINK_WRITE_FAILED', message, { where, cause, retriable: false });
}

/**
 * node-postgres reports a connection that vanished mid-query, or a pool that could not connect in
 * time, with plain Errors that carry no code: recognise them by message.
 */
const CONNECTION_LOST = [
  'Connection terminated',
  'is not queryable',
  'timeout exceeded when trying to connect',
];

function isConnectionLost(error: unknown): boolean {
  const message = (error as Error | null)?.message;
  return typeof message === 'string' && CONNECTION_LOST.some((text) => message.includes(text));
}
