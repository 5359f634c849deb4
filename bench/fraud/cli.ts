/**
 * `vigie detect transactions` as users run it: `bin/vigie` in a process of its own (its own process
 * group, as a terminal would start it), stopped as Ctrl-C stops it, a SIGINT to the whole group.
 * {@link startProcess} starts any other engine the same way (the seed's Spark job).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url).pathname;

export interface Cli {
  /** The process started; the leader of its own process group. */
  readonly pid: number;
  /** Resolves once a line of its output matches `pattern` (one among its first 200 lines counts too). */
  printed(pattern: RegExp): Promise<void>;
  /** Rejects if the process exits before `stop`, with the end of what it printed. */
  readonly died: Promise<never>;
  /** Ctrl-C, then SIGKILL if it has not exited within `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** The last lines it printed (stdout and stderr): its per-second counts, or why it failed. */
  tail(): string;
  /**
   * Records read so far, from its per-second line (`N records/s | M records | ...`), stamped
   * when the line arrived: how fast vigie itself read, which the latencies alone do not say.
   */
  readonly counts: readonly { readonly at: number; readonly records: number }[];
  /** The dashboard's address, once vigie printed it (its /metrics has the event loop's delay). */
  dashboard(): string | undefined;
  /** CPU seconds (user + system) vigie used so far, from /proc; undefined where there is none. */
  cpuSeconds(): number | undefined;
}

/** Linux's USER_HZ, in which /proc/<pid>/stat counts CPU time: 100 on every common platform. */
const TICKS_PER_SECOND = 100;

/**
 * `env`: added to this process's environment (the database URL, which a command line would show
 * to `ps`). `nodeFlags` (such as `--cpu-prof`, which NODE_OPTIONS refuses): node runs
 * `bin/vigie.js` itself with them, and the launcher's heap size. `checkout`: the vigie whose
 * `bin/vigie` runs (another commit's, built); this one by default.
 */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, nodeFlags: readonly string[] = [], checkout = root): Cli {
  const at = checkout.endsWith('/') ? checkout : `${checkout}/`;
  const [command, argv] =
    nodeFlags.length === 0 ? [`${at}bin/vigie`, args] : [process.execPath, [...nodeFlags, ...launcherFlags(args), `${at}bin/vigie.js`, ...args]];
  // Default settings: none of vigie's own variables (VIGIE_MAX_IN_FLIGHT...) leak from the caller's shell.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VIGIE_')));
  return startProcess('vigie detect transactions', command, argv, { ...inherited, ...env });
}

/** The Node flags `bin/vigie` adds for `args` at its defaults: the heap, and `detect`'s young generation. */
function launcherFlags(args: readonly string[]): string[] {
  return ['--max-old-space-size=1024', ...(args[0] === 'detect' ? ['--max-semi-space-size=32'] : [])];
}

/** `name` for messages; `env` is the whole environment of the process. */
export function startProcess(name: string, command: string, argv: readonly string[], env: NodeJS.ProcessEnv): Cli {
  const child: ChildProcess = spawn(command, argv, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const counts: { at: number; records: number }[] = [];
  const waiting: { pattern: RegExp; resolve: () => void }[] = [];
  const seen: string[] = [];
  let dashboard: string | undefined;
  const keep = (d: Buffer): void => {
    const now = Date.now();
    for (const line of d.toString().split('\n').filter(Boolean)) {
      dashboard ??= /Dashboard: (http:\/\/\S+)/.exec(line)?.[1];
      const records = / records\/s \| (\d+) records \|/.exec(line)?.[1];
      if (records !== undefined) counts.push({ at: now, records: Number(records) });
      lines.push(line);
      if (seen.length < 200) seen.push(line);
      for (const w of waiting.filter((w) => w.pattern.test(line))) w.resolve();
    }
    lines.splice(0, Math.max(0, lines.length - 20));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let stopping = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const tail = (): string => lines.join('\n');
  const died = exited.then((code) => {
    if (!stopping) throw new Error(`${name} exited (code ${code}) during the benchmark:\n${tail()}`);
    return new Promise<never>(() => {});
  });
  died.catch(() => {}); // observed by whoever races it; never an unhandled rejection
  // The benchmark dying must not leave vigie running on its servers.
  const onExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  };
  process.on('exit', onExit);
  return {
    pid: child.pid!,
    printed(pattern) {
      if (seen.some((line) => pattern.test(line))) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ pattern, resolve }));
    },
    died,
    tail,
    counts,
    dashboard: () => dashboard,
    cpuSeconds() {
      try {
        // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
        return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
      } catch {
        return undefined;
      }
    },
    async stop(graceMs = 30_000) {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, 'SIGINT');
        const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(timer);
        process.off('exit', onExit);
        return code;
      }
      process.off('exit', onExit);
      return exited;
    },
  };
}
