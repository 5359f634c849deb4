/**
 * The one way vigie gets a database: the user's PostgreSQL when `DATABASE_URL` is given, otherwise
 * an embedded one under the data directory, so `vigie start` works with nothing installed (shared
 * by every vigie process of that directory: see ./sharedPostgres.ts). Either
 * way the schema is migrated before the pool is handed out.
 */
import path from 'node:path';
import pg from 'pg';
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

export async function openDatabase({ databaseUrl, dataDir, log = () => {}, retry }: DatabaseOptions): Promise<Database> {
  const server = databaseUrl
    ? null
    : await shareEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), log });
  const url = databaseUrl ?? server!.url;
  const pool = new pg.Pool({ connectionString: url });
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
    throw error;
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
