/**
 * How a flow's life ends. Before: an error from `close()` during `stop()` rejected the promise
 * the signal handler dropped (`void running.stop()`), so an unhandled rejection, not the CLI,
 * decided the exit code; and a flow that failed while stopping was closed twice (once by the
 * stop, once by the error path). Now the flow is closed exactly once, `stop()` never rejects, and
 * `done` alone says how it ended.
 */
import { Subject, type Observable, NEVER, takeUntil, timer, map, throwError, concat } from 'rxjs';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { running } from '../../src/cli/running.ts';
import { until } from '../helpers/processes.ts';

function counted(fail?: Error) {
  const calls = { close: 0 };
  const close = async (): Promise<void> => {
    calls.close++;
    if (fail) throw fail;
  };
  return { calls, close };
}

/** A flow that runs until told to stop, then emits `last` (or fails with it) and ends. */
function flow(stop$: Subject<void>, last: 'complete' | Error): Observable<unknown> {
  const end$ = last === 'complete' ? timer(5).pipe(map(() => 'flushed')) : concat(timer(5), throwError(() => last));
  return concat(NEVER.pipe(takeUntil(stop$)), end$);
}

describe('running', () => {
  it('closes once when close fails during stop; stop() resolves and done rejects with the error', async () => {
    const stop$ = new Subject<void>();
    const boom = new Error('close failed');
    const { calls, close } = counted(boom);
    const run = running({ results$: flow(stop$, 'complete'), stop$, close });
    await expect(run.stop()).resolves.toBeUndefined();
    await expect(run.done).rejects.toBe(boom);
    expect(calls.close).toBe(1);
  });

  it('closes once when the flow fails while stopping, and done rejects with the flow error', async () => {
    const stop$ = new Subject<void>();
    const failure = new Error('sink failed while flushing');
    const { calls, close } = counted();
    const run = running({ results$: flow(stop$, failure), stop$, close });
    await run.stop();
    await expect(run.done).rejects.toBe(failure);
    await new Promise((r) => setTimeout(r, 20)); // a second close would come after
    expect(calls.close).toBe(1);
  });

  it('keeps the flow error over a close error', async () => {
    const stop$ = new Subject<void>();
    const failure = new Error('flow failed');
    const { calls, close } = counted(new Error('close failed too'));
    const run = running({ results$: concat(timer(5), throwError(() => failure)), stop$, close });
    await expect(run.done).rejects.toBe(failure);
    expect(calls.close).toBe(1);
  });

  it('ends, closed once, when the sinks do not flush within drainMs', async () => {
    const stop$ = new Subject<void>();
    const { calls, close } = counted();
    const run = running({ results$: NEVER, stop$, close, drainMs: 10 });
    await run.stop();
    await expect(run.done).rejects.toMatchObject({ code: 'SINK_WRITE_FAILED' });
    expect(calls.close).toBe(1);
  });

  it('stops by itself when the sources complete: summary, then close, once; a later stop() is harmless', async () => {
    const stop$ = new Subject<void>();
    const order: string[] = [];
    const run = running({ results$: timer(5), stop$, summary: () => order.push('summary'), close: async () => void order.push('close') });
    await expect(run.done).resolves.toBeUndefined();
    await run.stop();
    expect(order).toEqual(['summary', 'close']);
  });
});

/**
 * A command as the CLI runs it, on a flow whose sinks take `flushMs` to flush once stopped and
 * whose close may fail: what is tested is how runUntilSignal ends on real signals.
 */
function command({ flushMs = 0, closeFails = false } = {}) {
  const here = (file: string) => JSON.stringify(new URL(file, import.meta.url).pathname);
  const script = `
    import { Subject, NEVER, takeUntil, concat, timer } from 'rxjs';
    import { runUntilSignal } from ${here('../../src/cli/run.ts')};
    import { running } from ${here('../../src/cli/running.ts')};
    import { VigieError } from ${here('../../src/errors.ts')};
    const stop$ = new Subject();
    setInterval(() => {}, 1_000); // what a real flow's connections do: keep Node running
    await runUntilSignal('test', async (log) => {
      setTimeout(() => log('ready'), 0);
      return running({
        results$: concat(NEVER.pipe(takeUntil(stop$)), timer(${flushMs})),
        stop$,
        close: async () => { if (${closeFails}) throw new VigieError('SINK_WRITE_FAILED', 'close failed'); },
      });
    });
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = until('ready', async () => (out.includes('ready') ? true : undefined), 20_000);
  return { child, exited, ready, output: () => out };
}

describe('runUntilSignal', () => {
  // A process whose close fails after Ctrl-C: the exit is the CLI's clean message and code, not
  // Node's report of an unhandled rejection racing it.
  it('exits 1 with the close error as its message after a Ctrl-C, through one path', async () => {
    const cmd = command({ closeFails: true });
    await cmd.ready;
    cmd.child.kill('SIGINT');
    expect(await cmd.exited, cmd.output()).toBe(1);
    expect(cmd.output()).toContain('vigie: close failed\n');
    expect(cmd.output()).not.toMatch(/\n\s+at |Unhandled|node:internal/);
  });

  // `npm start`: the terminal signals the whole group, and npm forwards its SIGINT to the script
  // too. Counted as a second Ctrl-C, it made vigie exit 130 at once, before its sinks had flushed.
  it('takes one Ctrl-C delivered twice at once for one: flushes and exits 0', async () => {
    const cmd = command({ flushMs: 1_500 });
    await cmd.ready;
    cmd.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    cmd.child.kill('SIGINT');
    expect(await cmd.exited, cmd.output()).toBe(0);
    expect(cmd.output()).toContain('vigie: stopped');
  });

  it('exits 130 at once on a second Ctrl-C while flushing', async () => {
    const cmd = command({ flushMs: 10_000 });
    await cmd.ready;
    cmd.child.kill('SIGINT');
    await until('flushing', async () => (cmd.output().includes('flushing sinks') ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    cmd.child.kill('SIGINT');
    expect(await cmd.exited, cmd.output()).toBe(130);
    expect(cmd.output()).not.toContain('vigie: stopped');
  });
});
