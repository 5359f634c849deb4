/**
 * The database restarts while detections stream in: the sink must retry the batch it was writing,
 * hold the others back in order, and end with every row written exactly once. This is the case
 * that `ON CONFLICT DO NOTHING` exists for: a batch committed just before the server went down
 * may be sent again, because its reply was lost.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { asyncScheduler, interval, lastValueFrom, map, take, toArray } from 'rxjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '../../../src/adapters/postgres/embeddedPostgres.ts';
import { migrate } from '../../../src/adapters/postgres/migrations.ts';
import { sensorDetectionsTable } from '../../../src/adapters/postgres/tables.ts';
import { toPostgres } from '../../../src/adapters/postgres/toPostgres.ts';
import { retryPolicy } from '../../../src/retry.ts';
import type { Detection } from '../../../src/types.ts';

const COUNT = 2000;
let root: string;
let server: EmbeddedPostgresServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vigie-restart-'));
  await chmod(root, 0o755);
  server = await startEmbeddedPostgres({ dataDir: path.join(root, 'data') });
});
afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

function detection(offset: number): Detection {
  return {
    topic: 'temperature', value: offset, time: 1_700_000_000_000 + offset, state: 1,
    detector: 'dbscan', score: 0.1, fill: 1, ref: { source: 'restart', partition: 0, offset },
  };
}

it('loses nothing and doubles nothing when the database restarts mid-stream', { timeout: 60_000 }, async () => {
  const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 2_000 });
  const idleErrors: Error[] = [];
  pool.on('error', (error) => idleErrors.push(error));
  await migrate(pool);

  const retries: unknown[] = [];
  const retry = retryPolicy({ retries: 200, initialDelayMs: 50, maxDelayMs: 400, onRetry: (error) => retries.push(error) });
  const done = lastValueFrom(
    interval(2, asyncScheduler).pipe(
      take(COUNT),
      map(detection),
      toPostgres(pool, sensorDetectionsTable, { batch: { size: 50, lingerMs: 20 }, retry }),
      toArray(),
    ),
  );

  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await server.stop();
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  server = await startEmbeddedPostgres({ dataDir: server.dataDir, port: server.port });

  const written = await done;
  expect(written.flatMap((w) => w.items.map((d) => d.ref.offset))).toEqual(Array.from({ length: COUNT }, (_, i) => i));
  const { rows } = await pool.query(
    'SELECT count(*)::int AS n, count(DISTINCT source_offset)::int AS d, min(source_offset)::int AS lo, max(source_offset)::int AS hi FROM sensor_detections',
  );
  expect(rows).toEqual([{ n: COUNT, d: COUNT, lo: 0, hi: COUNT - 1 }]);
  expect(retries.length).toBeGreaterThan(0);
  expect(retries).toContainEqual(expect.objectContaining({ code: 'DATABASE_UNAVAILABLE', retriable: true }));
  if (process.env['VIGIE_TEST_VERBOSE']) console.log(retries.map((e) => (e as Error).message));
  await pool.end();
});
