/**
 * The life of a running flow, shared by the commands: `stop` signals the sources to complete,
 * waits for the sinks to flush (at most `drainMs`: a database that never comes back must not hang
 * the exit), then closes files and connections; an error closes them too and is passed on.
 */
import { type Observable, type Subject, endWith, firstValueFrom, ignoreElements } from 'rxjs';

export interface Running {
  /** Resolves when everything has stopped; rejects on a fatal error. */
  readonly done: Promise<void>;
  /** Completes the sources, waits for the sinks to flush, closes files and the database. */
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
  let closing: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    closing ??= (async () => {
      stop$.next();
      await Promise.race([finished.catch(() => {}), new Promise((r) => setTimeout(r, drainMs).unref())]);
      summary?.();
      await close();
    })();
    return closing;
  };
  const done = finished.then(
    () => stop(),
    async (error: unknown) => {
      await close().catch(() => {});
      throw error;
    },
  );
  return { done, stop };
}
