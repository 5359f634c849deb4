/**
 * The life of a running flow, shared by the commands: `stop` signals the sources to complete,
 * waits for the sinks to flush (at most `drainMs`: a database that never comes back must not hang
 * the exit), then closes files and connections. However it ends (stopped, sources done, a fatal
 * error, a failing close), `close` runs exactly once and `done` alone tells the outcome, so one
 * place decides the exit code.
 */
import { type Observable, type Subject, endWith, firstValueFrom, ignoreElements } from 'rxjs';
import { VigieError } from '../errors.ts';

export interface Running {
  /** Resolves when everything has stopped and closed; rejects with the first error (the flow's, then the close's). */
  readonly done: Promise<void>;
  /** Completes the sources; resolves once the flow has ended, never rejects (see `done`). */
  stop(): Promise<void>;
}

export interface RunningOptions {
  /** The flow's whole output; it completes once the sources have and the sinks have flushed. */
  readonly results$: Observable<unknown>;
  /** Told to stop the sources. */
  readonly stop$: Subject<void>;
  /** Releases what the flow held: timers, files, the database. */
  readonly close: () => Promise<void>;
  /** Said once the flow has drained, before closing (e.g. final counts). */
  readonly summary?: () => void;
  readonly drainMs?: number;
}

export function running({ results$, stop$, close, summary, drainMs = 30_000 }: RunningOptions): Running {
  const finished = firstValueFrom(results$.pipe(ignoreElements(), endWith(undefined)));
  let stopRequested!: () => void;
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  const drained = stopped.then(
    () =>
      new Promise<never>((_, reject) => {
        setTimeout(() => reject(new VigieError('SINK_WRITE_FAILED', `the sinks did not flush within ${drainMs} ms of the stop`)), drainMs).unref();
      }),
  );
  const done = (async () => {
    let failure: { error: unknown } | null = null;
    try {
      await Promise.race([finished, drained]);
      summary?.();
    } catch (error) {
      failure = { error };
    }
    try {
      await close();
    } catch (error) {
      failure ??= { error };
    }
    if (failure) throw failure.error;
  })();
  const settled = done.then(
    () => {},
    () => {},
  );
  let stopping = false;
  return {
    done,
    stop: () => {
      if (!stopping) {
        stopping = true;
        stop$.next();
        stopRequested();
      }
      return settled;
    },
  };
}
