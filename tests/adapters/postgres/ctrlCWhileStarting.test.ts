/**
 * Ctrl-C pressed again and again while the embedded PostgreSQL starts for the first time: a
 * terminal sends SIGINT to the whole foreground process group, and vigie handles it ("stopping
 * once started"), but the programs it ran on the way died of it. `id` and `groupadd` ran in the
 * group, and initdb and the server, in a session of their own, could still be caught between the
 * fork and their `setsid` (the signal stays pending through it): CI saw "initdb exited with null"
 * for one Ctrl-C, and this test, SIGINT every 10 ms, failed 4 starts of 6 ("no `postgres` user to
 * run PostgreSQL as could be created", "the server exited"). Each must start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { until } from '../../helpers/processes.ts';

const root = new URL('../../../', import.meta.url).pathname;
let dir = '';
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigie-ctrlc-start-'));
  await chmod(dir, 0o755); // the server runs as the postgres user when we are root
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('starts the embedded PostgreSQL while the terminal sends SIGINT every 10 ms', async () => {
  for (let run = 1; run <= 4; run++) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/startPostgresIgnoringSigint.ts', join(dir, `run-${run}`)], {
      cwd: root,
      detached: true, // a process group of its own, as a terminal's foreground job
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await until('SIGINT handled', async () => (output.includes('starting') ? true : undefined), 30_000);
    const ctrlC = setInterval(() => {
      try {
        process.kill(-child.pid!, 'SIGINT');
      } catch {
        // the group has gone
      }
    }, 10);
    await exited.finally(() => clearInterval(ctrlC)); // its exit code: killed by a SIGINT after 'started', as node tears down
    expect({ run, output: output.trim().split('\n').at(-1) }).toEqual({ run, output: 'started' });
  }
}, 180_000);
