/**
 * A database of its own for each test file, on the run's shared server: test files run in
 * parallel and must not see each other's rows. Dropped (with its sessions) when the file is done.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate } from '../../src/adapters/postgres/migrations.ts';

export interface FreshDatabase {
  readonly pool: pg.Pool;
  /** Holds a password: print it with `redactUrl`. */
  readonly url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(options: { migrate?: boolean } = {}): Promise<FreshDatabase> {
  const serverUrl = inject('databaseUrl');
  const name = `vigie_test_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  const url = withDatabase(serverUrl, name);
  const pool = new pg.Pool({ connectionString: url });
  pool.on('error', () => {}); // idle clients killed by the server: pg-pool drops them
  if (options.migrate ?? true) await migrate(pool);
  return {
    pool,
    url,
    drop: async () => {
      await pool.end();
      await admin(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin(url: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
