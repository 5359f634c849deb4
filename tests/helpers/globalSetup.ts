/**
 * One PostgreSQL for the whole test run: starting a server per test file would cost seconds each.
 * Test files share it but not their data: each creates its own database (`freshDatabase`).
 * With `DATABASE_URL` set, tests use that server instead and nothing is started.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { redactUrl, startEmbeddedPostgres } from '../../src/adapters/postgres/embeddedPostgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where test files create their databases; holds a password, print it with `redactUrl`. */
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env['DATABASE_URL'];
  if (given) {
    project.provide('databaseUrl', given);
    return async () => {};
  }
  const root = await mkdtemp(path.join(tmpdir(), 'vigie-test-pg-'));
  await chmod(root, 0o755); // the server runs as `postgres` when we are root
  const started = Date.now();
  const server = await startEmbeddedPostgres({ dataDir: path.join(root, 'data') });
  if (process.env['VIGIE_TEST_VERBOSE']) {
    console.log(`embedded PostgreSQL at ${redactUrl(server.url)} in ${Date.now() - started} ms`);
  }
  project.provide('databaseUrl', server.url);
  return async () => {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  };
}
