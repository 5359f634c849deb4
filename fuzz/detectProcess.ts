/** `vigie detect` as a process of a CLI fuzz run: started, watched, run to the end of its topic. */
import { type ChildProcess, spawn } from 'node:child_process';

const root = new URL('../', import.meta.url).pathname;

export interface Detect {
  readonly proc: ChildProcess;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

export function detect(args: readonly string[]): Detect {
  const proc = spawn(process.execPath, ['bin/vigie.js', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-20_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return { proc, output: () => out, exit: new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal }))) };
}

/** The last lines it printed, stack frames left out: the error's message stays in view. */
export const tail = (d: Detect): string => d.output().split('\n').filter((l) => !/^\s+at /.test(l)).slice(-6).join('\n');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `args` until its group committed every record and it reports progress; what went wrong. */
export async function uninterrupted(args: readonly string[], position: () => Promise<number>, records: number): Promise<string[]> {
  const d = detect(args);
  let moved = { at: Date.now(), done: -1 };
  for (;;) {
    await sleep(500);
    if (d.proc.exitCode !== null) return [`the uninterrupted run exited ${d.proc.exitCode}:\n${tail(d)}`];
    const done = await position();
    if (done >= records && /records\/s/.test(d.output())) break;
    if (done !== moved.done) moved = { at: Date.now(), done };
    if (Date.now() - moved.at > 120_000) {
      d.proc.kill('SIGKILL');
      return [`the uninterrupted run made no progress for 2 minutes at ${done} of ${records}`];
    }
  }
  d.proc.kill('SIGTERM');
  const { code } = await d.exit;
  return code === 0 ? [] : [`the uninterrupted run exited ${code} on SIGTERM:\n${tail(d)}`];
}

