/**
 * vigie's errors: each says what failed, where (topic, partition, offset, port, table, file)
 * and whether retrying can help. Bad data is not an error but a {@link DeadLetter}; these are
 * for faults of configuration and infrastructure.
 */

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'SINK_WRITE_FAILED'
  | 'ACKNOWLEDGED_TWICE'
  | 'SOURCE_FAILED'
  | 'DATABASE_UNAVAILABLE'
  | 'KAFKA_UNAVAILABLE'
  | 'OUTAGE_TOO_LONG'
  | 'PICKLE_CORRUPT'
  | 'FILE_INVALID'
  | 'SERVICE_START_FAILED'
  | 'NO_DATA'
  | 'STATE_INCOMPATIBLE'
  | 'CHECKPOINT_STALE'
  | 'OUTPUT_FENCED'
  | 'TIMESTAMP_INVALID'
  | 'FETCH_FAILED';

export type Where = Readonly<Record<string, string | number>>;

export class VigieError extends Error {
  override readonly name = 'VigieError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { readonly where?: Where; readonly retriable?: boolean; readonly cause?: unknown } = {},
  ) {
    super(withWhere(message, options.where), { cause: options.cause });
  }
  get retriable(): boolean {
    return this.options.retriable ?? false;
  }
  get where(): Where {
    return this.options.where ?? {};
  }
}

function withWhere(message: string, where: Where | undefined): string {
  if (!where || Object.keys(where).length === 0) return message;
  const at = Object.entries(where)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `${message} (${at})`;
}

/** True when an error says (or is known to be) transient: a retry may succeed. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof VigieError) return error.retriable;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

/** Node socket errors and PostgreSQL SQLSTATEs that a reconnect can cure. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '53300', // too_many_connections
]);
