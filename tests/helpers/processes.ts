/**
 * Running `vigie` commands as real processes in tests, and waiting for what they do by polling
 * (never by sleeping a fixed time).
 */
import { type ChildProcess, spawn } from 'node:child_process';

const root = new URL('../../', import.meta.url).pathname;
const started: ChildProcess[] = [];

export interface VigieProcess {
  readonly proc: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Its exit code (null when killed by a signal). */
  readonly exit: Promise<number | null>;
}

/** `node bin/vigie.js ...args` from the project's root. */
export function vigie(args: readonly string[], env: NodeJS.ProcessEnv = process.env): VigieProcess {
  const proc = spawn(process.execPath, ['bin/vigie.js', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, output: () => out, exit: new Promise((resolve) => proc.on('exit', (code) => resolve(code))) };
}

/** Kills whatever a test file started and left running (call in afterAll). */
export function killAll(): void {
  for (const proc of started.splice(0)) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}

/** Polls `probe` until it returns something other than undefined. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
