/**
 * Issue 13, finding 3: the live flows ran only the prototype's DBSCAN and IsolationForest (NAB
 * 0.00 and 11.43); the catalogue's best detectors were inside `vigie evaluate nab` only. Now
 * `--detector` names any of them, `--help` gives each one's NAB standard score, and what a run
 * writes (PostgreSQL, the pickle and JSONL logs) and what `vigie plot` draws follow its choice.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/database.ts';
import { killAll, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const SCORES = ['contextual+art (NAB 72.26)', 'contextual (NAB 68.28)', 'art (NAB 64.19)', 'half-space-trees+likelihood (NAB 63.29)', 'robust-z-score+likelihood (NAB 61.61)', 'isolation-forest (NAB 11.43)', 'dbscan (NAB 0.00)'];

describe('--detector', () => {
  it.each(['detect sensors', 'start'])('`vigie %s --help` lists every detector with its NAB standard score', async (command) => {
    const run = vigie([...command.split(' '), '--help']);
    expect(await run.exit, run.output()).toBe(0);
    const help = run.output().replace(/\s+/g, ' ');
    expect(help).toContain('--detector <names>');
    for (const score of SCORES) expect(help).toContain(score);
  }, 30_000);

  it('refuses a detector the catalogue does not have, naming the flag and the choices', async () => {
    const run = vigie(['detect', 'sensors', '--detector', 'contextual+art,magic']);
    expect(await run.exit).toBe(2);
    expect(run.output()).toMatch(/--detector: .*contextual\+art.*got "contextual\+art,magic"/);
  }, 30_000);

  it('`vigie start --detector contextual+art,art`: those detections in PostgreSQL, their logs, and their marks in `vigie plot`', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigie-detectors-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await chmod(dir, 0o755);
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const start = vigie(['start', '--detector', 'contextual+art,art', '--sensor-rate', '300', '--duration', '10', '--database-url', db.url, '--data-dir', dir]);
    expect(await start.exit, start.output()).toBe(0);
    const { rows } = await db.pool.query<{ detector: string; anomalies: number }>(
      'SELECT detector, count(*) FILTER (WHERE state = -1)::int AS anomalies FROM sensor_detections GROUP BY 1 ORDER BY 1',
    );
    expect(rows.map((r) => r.detector)).toEqual(['art', 'contextual+art']);
    const found = rows.find((r) => r.detector === 'contextual+art')!.anomalies;
    expect(found, start.output()).toBeGreaterThan(0);
    for (const file of ['detections-contextual+art.pkl', 'detections-art.pkl', 'detections.jsonl']) expect(existsSync(join(dir, 'logs', file)), file).toBe(true);
    expect(existsSync(join(dir, 'logs', 'detections-dbscan.pkl'))).toBe(false);

    const plot = vigie(['plot', '--data-dir', dir]);
    expect(await plot.exit, plot.output()).toBe(0);
    expect(plot.output()).toMatch(new RegExp(`marks: 0 dbscan, 0 isolation-forest, ${found} contextual\\+art, \\d+ art, \\d+ initialising`));
  }, 90_000);
});
