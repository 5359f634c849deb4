/**
 * A fresh database for one benchmark, migrated by `openDatabase` as the app does: on the server
 * `DATABASE_URL` names, or an embedded one in a temporary directory; dropped (or stopped) after.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { type Database, openDatabase } from '../src/adapters/postgres/connect.ts';
import { redactUrl } from '../src/adapters/postgres/embeddedPostgres.ts';
import { postgresUnlessGiven } from '../src/adapters/temporaryServers.ts';

/** Runs `work` on a fresh database; `where` says which server, for the method's sentence. */
export async function withBenchDatabase<R>(prefix: string, work: (db: Database, where: string) => Promise<R>): Promise<R> {
  const server = await postgresUnlessGiven(prefix);
  let db: Database | undefined;
  const name = `vigie_bench_${randomBytes(6).toString('hex')}`;
  try {
    console.error(`bench: PostgreSQL at ${redactUrl(server.value)}, database ${name}`);
    await admin(server.value, (c) => `CREATE DATABASE ${c.escapeIdentifier(name)}`);
    const url = new URL(server.value);
    url.pathname = `/${name}`;
    // a URL is given, so openDatabase starts no server and its data directory goes unused
    db = await openDatabase({ databaseUrl: url.toString(), dataDir: tmpdir(), log: (line) => console.error(line) });
    return await work(db, server.started ? 'embedded, in a temporary directory' : 'DATABASE_URL');
  } finally {
    await db?.close();
    if (!server.started) await admin(server.value, (c) => `DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`).catch(() => {});
    await server.stop();
  }
}

async function admin(url: string, sql: (client: pg.Client) => string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql(client));
  } finally {
    await client.end();
  }
}
