/**
 * Importing vigie reads nothing it will use later: the embedded server gets the environment as it
 * is when it starts. It took a copy at import, so a program that imported vigie and then set, say,
 * TZ (which initdb makes the cluster's time zone) got a server that never saw it.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../../src/adapters/postgres/embeddedPostgres.ts';

let root: string;
const tz = process.env['TZ'];
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vigie-environment-'));
  await chmod(root, 0o755); // as root, the server runs as the postgres user
});
afterAll(async () => {
  if (tz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = tz;
  await rm(root, { recursive: true, force: true });
});

it('starts the embedded PostgreSQL with the environment of the moment, not of the import', async () => {
  process.env['TZ'] = 'Pacific/Chatham'; // set after vigie was imported, above
  const server = await startEmbeddedPostgres({ dataDir: path.join(root, 'cluster') });
  const client = new pg.Client({ connectionString: server.url });
  try {
    await client.connect();
    expect((await client.query<{ TimeZone: string }>('SHOW timezone')).rows[0]!.TimeZone).toBe('Pacific/Chatham');
  } finally {
    await client.end();
    await server.stop();
  }
});
