/**
 * Several `vigie detect` processes in one consumer group, as an operator runs them: each with a
 * data dir of its own (their logs must not interleave), started, SIGKILLed and started again
 * at will, and stopped with SIGTERM at the end, which must exit cleanly.
 */
import { join } from 'node:path';
import { type VigieProcess, until, vigie } from './processes.ts';

export interface DetectFleet {
  /** Starts one more process; its data dir is `<dir>/p<n>`. */
  start(): VigieProcess;
  /** The processes started and not killed, oldest first. */
  readonly running: VigieProcess[];
  /** SIGKILLs this one (as a crash does: no drain, no commit, no leaving the group) and waits for its end. */
  crash(process: VigieProcess): Promise<void>;
  /** SIGTERMs all that run; resolves with their exit codes and output. */
  stop(): Promise<{ code: number | null; output: string }[]>;
}

/**
 * @param args `detect transactions|sensors` and its flags, without `--data-dir`.
 * @param dir where the processes' data dirs go.
 */
export function detectFleet(args: readonly string[], dir: string): DetectFleet {
  const running: VigieProcess[] = [];
  let started = 0;
  return {
    running,
    start: () => {
      const p = vigie([...args, '--data-dir', join(dir, `p${started++}`)]);
      running.push(p);
      return p;
    },
    crash: async (p) => {
      running.splice(running.indexOf(p), 1);
      p.proc.kill('SIGKILL');
      await p.exit;
    },
    stop: async () => {
      const all = running.splice(0);
      // a process just started has no handler for SIGTERM yet: it would die of it, exit code null
      for (const p of all) await until('its signal handlers', async () => (/: starting/.test(p.output()) || p.proc.exitCode !== null ? true : undefined), 30_000);
      for (const p of all) p.proc.kill('SIGTERM');
      return Promise.all(all.map(async (p) => ({ code: await p.exit, output: p.output() })));
    },
  };
}

/** Stops the fleet; throws, with the end of its output, for any process that did not exit 0. */
export async function stopCleanly(fleet: DetectFleet): Promise<void> {
  for (const { code, output } of await fleet.stop()) {
    if (code !== 0) throw new Error(`a detect process exited with ${code}:\n${output.slice(-3000)}`);
  }
}
