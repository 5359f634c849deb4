/**
 * The one way vigie gets a database: the user's PostgreSQL when `DATABASE_URL` is given, otherwise
 * an embedded one under the data directory, so `vigie start` works with nothing installed (shared
 * by every vigie process of that directory: see ./sharedPostgres.ts). Either
 * way the schema is migrated before the pool is handed out.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import path from 'node:path';
import pg from 'pg';
import { VigieError } from '../../errors.ts';
import { redactUrl } from './embeddedPostgres.ts';
import { shareEmbeddedPostgres } from './sharedPostgres.ts';
import { type RetryPolicy, retryAsync } from '../../retry.ts';
import { migrate } from './migrations.ts';

export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent, an embedded server is started. */
  readonly databaseUrl?: string;
  /** The embedded server keeps its cluster in `<dataDir>/postgres`. */
  readonly dataDir: string;
  /** Told of idle connections that broke and of the embedded server's log. */
  readonly log?: (message: string) => void;
  /**
   * How a database that does not answer at start (a user's server still booting, or down) is
   * waited for; its `onRetry` can say which {@link addressOf} is awaited. Default: no wait.
   */
  readonly retry?: RetryPolicy;
  /** TLS to the user's PostgreSQL (`databaseUrl`), beside what the URL itself says. */
  readonly tls?: DatabaseTls;
}

/** libpq's modes: `require` encrypts, `verify-ca` also checks the CA, `verify-full` the host name too. */
export const DATABASE_SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type DatabaseSslMode = (typeof DATABASE_SSL_MODES)[number];

export interface DatabaseTls {
  readonly mode: DatabaseSslMode;
  /** PEM files: the CA that signs the server's certificate (else the system's), a client certificate and its key. */
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

/** pg's `ssl` for these options, the files read now (a missing one is an error naming it). */
export function databaseSsl(tls: DatabaseTls): false | ConnectionOptions {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new VigieError('CONFIG_INVALID', 'a client certificate needs its key, and a key its certificate (--database-cert with --database-key)', { where: { option: '--database-cert' } });
  }
  if (tls.mode === 'disable') return false;
  const read = (file: string | undefined, option: string): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (cause) {
      throw new VigieError('CONFIG_INVALID', `cannot read ${file}: ${(cause as Error).message}`, { where: { option }, cause });
    }
  };
  const files = { ca: read(tls.ca, '--database-ca'), cert: read(tls.cert, '--database-cert'), key: read(tls.key, '--database-key') };
  const given = Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined));
  if (tls.mode === 'require') return { ...given, rejectUnauthorized: false };
  // verify-ca: the chain, not the name (libpq's meaning)
  return { ...given, rejectUnauthorized: true, ...(tls.mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}) };
}

export interface Database {
  readonly pool: pg.Pool;
  /** The URL with its password masked: safe to print. */
  readonly url: string;
  readonly embedded: boolean;
  /** The embedded server another vigie process started, and this one joined: that process's pid. */
  readonly joined: number | null;
  close(): Promise<void>;
}

export async function openDatabase({ databaseUrl, dataDir, log = () => {}, retry, tls }: DatabaseOptions): Promise<Database> {
  // read before anything starts: a missing file is a configuration error, not an outage
  const ssl = databaseUrl && tls ? databaseSsl(tls) : undefined;
  const server = databaseUrl
    ? null
    : await shareEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), log });
  const url = databaseUrl ?? server!.url;
  const pool = new pg.Pool({ connectionString: url, ...(ssl !== undefined ? { ssl } : {}) });
  // Idle clients die with the server: pg-pool drops them and re-emits here, which must be heard.
  pool.on('error', (error) => log(`postgres: idle connection lost: ${error.message}`));
  const close = async (): Promise<void> => {
    await pool.end();
    await server?.leave();
  };
  try {
    await (retry ? retryAsync(retry, () => migrate(pool)) : migrate(pool));
  } catch (error) {
    await close().catch(() => {});
    throw refusal(error, url) ?? error;
  }
  return { pool, url: redactUrl(url), embedded: server !== null, joined: server?.joined ?? null, close };
}

/** `host:port` of a PostgreSQL URL (or key=value string), to say what is awaited: never its credentials. */
export function addressOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`;
  } catch {
    const host = /\bhost=(\S+)/.exec(url)?.[1] ?? 'localhost';
    const port = /\bport=(\d+)/.exec(url)?.[1] ?? '5432';
    return `${host}:${port}`;
  }
}

/**
 * A connection the server or its certificate refused, said plainly with the address (never the
 * credentials): a waiting game cannot cure it.
 */
function refusal(error: unknown, url: string): VigieError | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const address = addressOf(url);
  const where = { address };
  if (code === '28P01' || code === '28000') {
    return new VigieError('SERVICE_START_FAILED', `PostgreSQL at ${address} refused the credentials (${String(message)})`, { where, cause: error });
  }
  if (typeof code === 'string' && (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code))) {
    return new VigieError('SERVICE_START_FAILED', `PostgreSQL at ${address}: its TLS certificate is not trusted (${String(message)}); give the CA that signs it (--database-ca)`, { where, cause: error });
  }
  if (typeof message === 'string' && /does not support SSL/.test(message)) {
    return new VigieError('SERVICE_START_FAILED', `PostgreSQL at ${address} does not accept TLS connections (--database-ssl-mode asks for TLS)`, { where, cause: error });
  }
  return undefined;
}
