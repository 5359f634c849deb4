/**
 * `npm start`'s entry for real: the embedded PostgreSQL, the simulated sources, the logs; then
 * SIGTERM, which must flush the sinks and exit 0.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { passwordFile } from '../../src/adapters/postgres/embeddedPostgres.ts';

const root = new URL('../../', import.meta.url).pathname;
let dir = '';
let child: ChildProcess | null = null;

afterAll(async () => {
  child?.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

function pickleLoad(path: string): unknown[] {
  const script = 'import pickle,json,sys; print(json.dumps(pickle.load(open(sys.argv[1],"rb"))))';
  return JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' })) as unknown[];
}

describe('vigie start', () => {
  it('shows detections within 10 s, writes PostgreSQL and both logs, and exits 0 on SIGTERM', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigie-start-'));
    await chmod(dir, 0o755); // the embedded server runs as the postgres user
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const startedAt = Date.now();
    const proc = spawn(process.execPath, ['bin/vigie.js', 'start', '--data-dir', dir, '--sensor-rate', '40', '--transaction-rate', '10'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));

    // wait for a status line reporting anomalies and rows written
    let firstRowsAfter = -1;
    while (Date.now() - startedAt < 40_000) {
      const m = [...out.matchAll(/(\d+) anomalies \| (\d+) suspicious of \d+ transactions \| (\d+) rows written/g)].at(-1);
      if (m && Number(m[3]) > 0 && firstRowsAfter < 0) firstRowsAfter = Date.now() - startedAt;
      if (m && Number(m[1]) > 0 && Number(m[2]) > 0 && Number(m[3]) > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(out, out).toMatch(/PostgreSQL: postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/vigie \(embedded/);
    expect(out).toMatch(/Logs: /);
    expect(firstRowsAfter, out).toBeGreaterThan(0);
    expect(firstRowsAfter).toBeLessThan(10_000 + 5_000); // 10 s on a warm machine; slack for a loaded CI

    const password = (await readFile(passwordFile(join(dir, 'postgres')), 'utf8')).trim();
    expect(out).not.toContain(password);
    const port = Number(/127\.0\.0\.1:(\d+)\/vigie/.exec(out)![1]);
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'vigie' });
    await client.connect();
    const count = async (table: string) => Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const detections = await count('sensor_detections');
    const suspicious = await count('suspicious_transactions');
    await client.end();
    expect(detections).toBeGreaterThan(0);
    expect(suspicious).toBeGreaterThan(0);

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/SIGTERM, flushing sinks and stopping/);

    const readings = pickleLoad(join(dir, 'logs', 'readings.pkl')) as [string, number][];
    const dbscan = pickleLoad(join(dir, 'logs', 'detections-dbscan.pkl')) as [number, number, number][];
    expect(readings.length).toBeGreaterThan(0);
    expect(readings[0]![0]).toMatch(/^(humidite|temperature)!\d+\.\d\d$/);
    expect(dbscan.length).toBe(readings.length); // flushed on stop: one dbscan record per reading
    expect(dbscan.slice(0, 3).map((r) => r[2])).toEqual([-2, -2, -2]);
    const jsonl = (await readFile(join(dir, 'logs', 'suspicious-transactions.jsonl'), 'utf8')).trim().split('\n');
    expect(jsonl.length).toBeGreaterThanOrEqual(suspicious);
    expect(JSON.parse(jsonl[0]!).transaction.currency).toBe('XAF');
  }, 90_000);
});
