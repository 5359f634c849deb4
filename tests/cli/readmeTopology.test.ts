/**
 * The README's "whole topology, by hand, in three terminals", run as written, each command a
 * terminal's job (a process group of its own, Ctrl-C to the group at the end), in an empty
 * directory so that every command uses the default data dir `.vigie`:
 *
 *   terminal 1: vigie kafka                        (on a free port: KAFKA_BROKERS tells the others)
 *   terminal 2: vigie simulate arduino &  +  vigie bridge --serial .vigie/serial/vigie --baud 9600
 *   terminal 3: vigie detect sensors --detector contextual+art --topic humidite,temperature
 *               vigie produce transactions --rate 20/s &  +  vigie detect transactions
 *
 * Issue 13, finding 4: the second `detect` exited 1, the embedded PostgreSQL already running on
 * `.vigie/postgres`. Now the first starts it, the second joins it, both write, and the last to
 * stop stops it. Then `vigie plot` draws the sensor run, its contextual+art marks included.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/processes.ts';

const root = new URL('../../', import.meta.url).pathname;
const jobs: ChildProcess[] = [];
let dir = '';
afterAll(async () => {
  for (const job of jobs) if (job.exitCode === null && job.signalCode === null) process.kill(-job.pid!, 'SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Job {
  readonly name: string;
  output(): string;
  readonly exited: Promise<number | null>;
  ctrlC(): void;
}

/** `vigie ...args` typed in a terminal whose current directory is `dir`. */
function job(args: readonly string[], env: NodeJS.ProcessEnv): Job {
  const child = spawn(process.execPath, [join(root, 'bin/vigie.js'), ...args], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  jobs.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name: args.join(' '), output: () => out, exited, ctrlC: () => process.kill(-child.pid!, 'SIGINT') };
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** The commands the test types, as the README's three terminals give them (after `npx vigie`). */
const TYPED = ['simulate arduino', 'bridge --serial .vigie/serial/vigie --baud 9600', 'detect sensors --detector contextual+art --topic humidite,temperature', 'produce transactions --rate 20/s', 'detect transactions'];

describe("the README's three terminals, as written", () => {
  it('are the commands this test runs, word for word (the broker: `npm run kafka`, here on a free port)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = readme.slice(readme.indexOf('# terminal 1:'), readme.indexOf('```', readme.indexOf('# terminal 1:')));
    const lines = block.split('\n').map((l) => l.replace(/#.*$/, '').replace(/&\s*$/, '').trim()).filter(Boolean);
    expect(lines).toEqual(['npm run kafka', ...TYPED.map((c) => `npx vigie ${c}`)]);
  });

  it('run side by side on the default .vigie: both detect flows write to one shared PostgreSQL', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigie-readme-'));
    await chmod(dir, 0o755); // the embedded server runs as the postgres user when we are root
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_BROKERS: `127.0.0.1:${port}` };
    delete env.DATABASE_URL;
    for (const name of Object.keys(env)) if (name.startsWith('VIGIE_')) delete env[name];
    const all: Job[] = [];
    const failing = (): string => all.map((j) => `--- ${j.name}\n${j.output()}`).join('\n');

    const kafka = job(['kafka', '--port', String(port)], env);
    all.push(kafka);
    await until('the broker', async () => (/Kafka broker on/.test(kafka.output()) ? true : undefined), 120_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${failing()}`);
    });
    const simulate = job(TYPED[0]!.split(' '), env);
    all.push(simulate);
    await until('the virtual Arduino', async () => (existsSync(join(dir, '.vigie/serial/vigie')) ? true : undefined), 30_000);
    const [bridge, sensors, produce, transactions] = TYPED.slice(1).map((command) => job(command.split(' '), env)) as [Job, Job, Job, Job];
    all.push(bridge, sensors, produce, transactions);

    // the database both detect processes use: the embedded server's port and password files
    const cluster = join(dir, '.vigie', 'postgres');
    const url = await until('the embedded PostgreSQL', async () => {
      // not before a process says it runs: initdb's own backend writes a postmaster.pid with port 5432
      if (!/PostgreSQL: /.test(sensors.output() + transactions.output())) return undefined;
      if (!existsSync(join(cluster, 'postmaster.pid')) || !existsSync(`${cluster}.password`)) return undefined;
      const serverPort = readFileSync(join(cluster, 'postmaster.pid'), 'utf8').split('\n')[3] ?? '';
      if (!/^\d+$/.test(serverPort)) return undefined; // the server is still writing the file
      return `postgres://postgres:${readFileSync(`${cluster}.password`, 'utf8').trim()}@127.0.0.1:${serverPort}/vigie`;
    }, 120_000);
    let lastError = '';
    const rows = await until(
      'rows from both detect processes',
      async () => {
        for (const j of [sensors, transactions]) if ((await Promise.race([j.exited, Promise.resolve('running')])) !== 'running') throw new Error(`${j.name} exited\n${failing()}`);
        const client = new pg.Client({ connectionString: url });
        try {
          await client.connect();
          const detections = await client.query<{ source: string; n: number }>("SELECT source, count(*)::int AS n FROM sensor_detections WHERE detector = 'contextual+art' GROUP BY 1 ORDER BY 1");
          const suspicious = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM suspicious_transactions');
          // the plot below must show an anomaly of contextual+art: wait for one, not only for 50 readings judged
          const anomalies = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM sensor_detections WHERE detector = 'contextual+art' AND state = -1");
          const both = detections.rows.length === 2 && detections.rows.every((r) => r.n >= 50) && suspicious.rows[0]!.n > 0 && anomalies.rows[0]!.n > 0;
          return both ? { detections: detections.rows.map((r) => r.source), suspicious: suspicious.rows[0]!.n } : undefined;
        } catch (error) {
          lastError = String(error); // tables not made yet
          return undefined;
        } finally {
          await client.end().catch(() => {});
        }
      },
      150_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message} (${lastError})\n${failing()}`);
    });
    expect(rows.detections).toEqual(['humidite', 'temperature']);
    expect(sensors.output() + transactions.output()).toMatch(/\(embedded, started by vigie process \d+, data in /);

    // Ctrl-C in each terminal, the detect processes first, in the order they were started
    for (const j of [sensors, transactions, produce, bridge, simulate]) {
      j.ctrlC();
      expect(await j.exited, `${j.name}\n${j.output()}`).toBe(0);
    }
    // the last to leave stopped the server
    expect(existsSync(join(cluster, 'postmaster.pid')), failing()).toBe(false);
    kafka.ctrlC();
    expect(await kafka.exited, kafka.output()).toBe(0);

    const plot = job(['plot'], env);
    expect(await plot.exited, plot.output()).toBe(0);
    expect(plot.output()).toMatch(/\d+ points in 2 topics; marks: 0 dbscan, 0 isolation-forest, \d+ contextual\+art, \d+ initialising/);
  }, 420_000);
});
