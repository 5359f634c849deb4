/**
 * `npm run bench -- startup`: how long vigie takes to start, from the TypeScript sources through
 * tsx (the launcher before issue 13, bench/startup/fromSource.mjs) and from the compiled dist/
 * (bin/vigie.js), same machine, same moment, runs interleaved so that load hits both alike. Each
 * in the launcher's heap (--max-old-space-size=1024). Timed: `vigie --help` to its exit (wall
 * clock, and CPU from bash's `times`), and `vigie start` to its first status line (wall clock;
 * PostgreSQL's cluster made beforehand by a run that is not counted). bench/run.ts builds dist/
 * first when src/ changed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bench, BenchSection } from './section.ts';

const root = new URL('../', import.meta.url).pathname;
const HELP_RUNS = Number(process.env['BENCH_STARTUP_HELP_RUNS'] ?? 7);
const START_RUNS = Number(process.env['BENCH_STARTUP_START_RUNS'] ?? 3);
const LAUNCHERS = { tsx: 'bench/startup/fromSource.mjs', compiled: 'bin/vigie.js' } as const;
type Launcher = keyof typeof LAUNCHERS;
const node = (launcher: Launcher): string[] => [process.execPath, '--max-old-space-size=1024', LAUNCHERS[launcher]];

/** `vigie --help` under bash, which reports its children's CPU time (`times`). */
function help(launcher: Launcher): { wallMs: number; cpuMs: number } {
  const quoted = node(launcher).map((a) => `'${a}'`).join(' ');
  const started = performance.now();
  const out = execFileSync('bash', ['-c', `${quoted} --help >/dev/null && times`], { cwd: root, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  // the second line of `times`: children's user and system time, e.g. "0m1.234s 0m0.210s"
  const [user, system] = out.trim().split('\n').at(-1)!.split(' ').map((t) => {
    const m = /(\d+)m([\d.]+)s/.exec(t)!;
    return (Number(m[1]) * 60 + Number(m[2])) * 1000;
  });
  return { wallMs, cpuMs: user! + system! };
}

/** Milliseconds from spawning `vigie start` to its first status line; then stops it (SIGTERM). */
async function firstStatusLine(launcher: Launcher, dataDir: string): Promise<number> {
  const [cmd, ...args] = node(launcher);
  const started = performance.now();
  const child: ChildProcess = spawn(cmd!, [...args, 'start', '--data-dir', dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ms = await new Promise<number>((resolve, reject) => {
    const hear = (d: Buffer): void => {
      output += d.toString();
      if (/\d+ rows written/.test(output)) resolve(performance.now() - started);
    };
    child.stdout!.on('data', hear);
    child.stderr!.on('data', hear);
    void exited.then(() => reject(new Error(`vigie start (${launcher}) exited before a status line:\n${output.slice(-2000)}`)));
  });
  child.kill('SIGTERM');
  await exited;
  return ms;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const spread = (xs: readonly number[]): string => `${seconds(median(xs))} (${seconds(Math.min(...xs))}–${seconds(Math.max(...xs))})`;

export const startupBench: Bench = {
  name: 'startup',
  async run(): Promise<BenchSection> {
    const runs = { tsx: { wall: [] as number[], cpu: [] as number[], start: [] as number[] }, compiled: { wall: [] as number[], cpu: [] as number[], start: [] as number[] } };
    for (let i = 0; i < HELP_RUNS; i++) {
      for (const launcher of ['tsx', 'compiled'] as const) {
        const { wallMs, cpuMs } = help(launcher);
        runs[launcher].wall.push(wallMs);
        runs[launcher].cpu.push(cpuMs);
      }
    }
    const dataDir = await mkdtemp(path.join(tmpdir(), 'vigie-bench-startup-'));
    await chmod(dataDir, 0o755); // as root, the embedded server runs as the postgres user
    try {
      await firstStatusLine('compiled', dataDir); // creates the cluster: initdb is no start-up cost
      for (let i = 0; i < START_RUNS; i++) for (const launcher of ['tsx', 'compiled'] as const) runs[launcher].start.push(await firstStatusLine(launcher, dataDir));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    const row = (what: string, pick: (r: (typeof runs)['tsx']) => number[]): string[] => [what, spread(pick(runs.tsx)), spread(pick(runs.compiled))];
    const failures: string[] = [];
    if (median(runs.compiled.cpu) >= median(runs.tsx.cpu)) failures.push('`vigie --help` compiled takes no less CPU than through tsx');
    if (median(runs.compiled.start) >= median(runs.tsx.start)) failures.push('`vigie start` compiled shows its first status line no sooner than through tsx');
    return {
      title: 'Start-up: compiled CLI against TypeScript through tsx',
      method: `Median (min–max) of ${HELP_RUNS} runs of \`vigie --help\` and ${START_RUNS} of \`vigie start\` (to its first status line, embedded PostgreSQL already initialised) per launcher, interleaved: bench/startup/fromSource.mjs (the sources through tsx, the launcher before issue 13) and bin/vigie.js (dist/).`,
      table: {
        header: ['measure', 'tsx (before)', 'compiled (after)'],
        rows: [row('`--help`, wall clock', (r) => r.wall), row('`--help`, CPU (user + system)', (r) => r.cpu), row('`start`, to the first status line', (r) => r.start)],
      },
      figures: {
        'help CPU saved (median)': seconds(median(runs.tsx.cpu) - median(runs.compiled.cpu)),
        'start: first status line sooner by (median)': seconds(median(runs.tsx.start) - median(runs.compiled.start)),
      },
      failures,
    };
  },
};
