/**
 * What a test of a CLI flow needs of its own: a data directory the embedded server may enter (it
 * runs as the postgres user) and a fresh database, both removed by the cleanups it pushes.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FreshDatabase, freshDatabase } from './database.ts';

export async function workspace(prefix: string, cleanups: (() => Promise<unknown>)[]): Promise<{ dir: string; db: FreshDatabase }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  return { dir, db };
}
