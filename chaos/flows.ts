/**
 * vigie's processes in a chaos run, each started as a user starts it (`bin/vigie`, in a process
 * group of its own, as a shell job is) so that a signal to the group reaches all of it.
 *
 * An exit the harness did not cause is a crash: it is counted, and the flow is started again
 * after a pause, as a supervisor would, so that the rest of the run still says something; a flow
 * that keeps crashing is left dead (a crash loop). Both fail the run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const MAX_CRASHES = 5;
/** What `vigie detect` and `vigie bridge` print once running; a signal before that kills them outright. */
const READY = /Logs:|serial: open/;

export interface Crash {
  readonly flow: string;
  readonly at: number;
  readonly code: number | null;
  readonly signal: string | null;
  /** The last lines it printed. */
  readonly tail: string;
}

export interface Flow {
  readonly name: string;
  /** Sends `signal` to the process, or to its whole group; resolves when it has exited. */
  signal(signal: NodeJS.Signals, group: boolean): Promise<{ code: number | null; signal: string | null }>;
  start(): void;
  alive(): boolean;
  /** Resolves once it says it runs (its flow wired, or the serial port open), or after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** Everything printed since the last start. */
  output(): string;
}

export interface Flows {
  readonly all: readonly Flow[];
  readonly crashes: Crash[];
  /** Flows that crashed too often and were left dead. */
  readonly looping: Set<string>;
  /** SIGTERM to every live flow, waiting for each exit; a non-zero exit is a crash. */
  stopAll(): Promise<void>;
}

/** Lines of a flow's output kept with its crash: enough for the error and the first frames of its stack. */
export const TAIL_LINES = 30;

export function startFlows(specs: readonly { name: string; args: string[] }[], logDir: string, log: (line: string) => void): Flows {
  const crashes: Crash[] = [];
  const looping = new Set<string>();
  let stopping = false;
  const all = specs.map(({ name, args }) => {
    let child: ChildProcess | null = null;
    let expected = false;
    let out = '';
    const file: WriteStream = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
    let exited: Promise<{ code: number | null; signal: string | null }> = Promise.resolve({ code: 0, signal: null });
    const start = (): void => {
      expected = false;
      out = '';
      const proc = spawn(path.join(root, 'bin/vigie'), args, {
        cwd: root,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, VIGIE_HEAP_MB: '256' },
      });
      child = proc;
      const hear = (d: Buffer): void => {
        out = (out + d.toString()).slice(-20_000);
        file.write(d);
      };
      proc.stdout!.on('data', hear);
      proc.stderr!.on('data', hear);
      exited = new Promise((resolve) =>
        proc.once('exit', (code, signal) => {
          resolve({ code, signal });
          if (child === proc) child = null;
          if (expected) return;
          crashes.push({ flow: name, at: Date.now(), code, signal, tail: out.split('\n').slice(-TAIL_LINES).join('\n') });
          log(`${name} crashed (exit ${code ?? signal})`);
          if (stopping) return;
          if (crashes.filter((c) => c.flow === name).length >= MAX_CRASHES) looping.add(name);
          else setTimeout(() => !stopping && !child && start(), 2_000);
        }),
      );
    };
    const flow: Flow = {
      name,
      start,
      alive: () => child !== null,
      ready: async (timeoutMs = 60_000) => {
        const deadline = Date.now() + timeoutMs;
        while (child && !READY.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      },
      output: () => out,
      signal: async (signal, group) => {
        const proc = child;
        if (!proc?.pid) return exited;
        expected = true;
        try {
          process.kill(group ? -proc.pid : proc.pid, signal);
        } catch {
          // already gone
        }
        return exited;
      },
    };
    start();
    return flow;
  });
  return {
    all,
    crashes,
    looping,
    stopAll: async () => {
      stopping = true;
      await Promise.all(
        all.map(async (flow) => {
          if (!flow.alive()) return;
          const exit = await Promise.race([
            flow.signal('SIGTERM', false),
            new Promise<null>((r) => setTimeout(() => r(null), 60_000)),
          ]);
          if (exit === null) {
            await flow.signal('SIGKILL', true);
            crashes.push({ flow: flow.name, at: Date.now(), code: null, signal: 'no exit within 60 s of SIGTERM', tail: flow.output().split('\n').slice(-TAIL_LINES).join('\n') });
          } else if (exit.code !== 0) {
            crashes.push({ flow: flow.name, at: Date.now(), code: exit.code, signal: exit.signal, tail: flow.output().split('\n').slice(-TAIL_LINES).join('\n') });
          }
        }),
      );
    },
  };
}
