import { type ObservableInput, type OperatorFunction, type SchedulerLike, type Subscription, asyncScheduler, from } from 'rxjs';
import { guarded, operate, operatorSubscriber } from './operate.ts';

export interface GroupCommitOptions {
  /** Items per write, at most. */
  readonly size: number;
  /** How long the first item after an idle spell waits for company before it is written. */
  readonly lingerMs: number;
  /** Writes in flight at once, at most; 1 by default. */
  readonly concurrency?: number;
  /** Controls time: the virtual scheduler of a marble test, `asyncScheduler` otherwise. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Writes items in batches, each holding everything that arrived while the writes before it ran: a
 * database's group commit. At low rates an item waits at most `lingerMs`
 * (plus one write); under load batches grow by themselves to what the sink can take, so no batch
 * ever queues behind another, as it would with fixed batches (`batch` then `concatMap`), where
 * each small batch pays the full cost of a round trip and the queue grows for as long as the
 * load lasts.
 *
 * At most `concurrency` writes run at once (1 by default: one after another, outputs in the order
 * of the items; with more, outputs come as writes finish). On completion what is left is written,
 * then the output completes once every write has. An error of the source or of a write ends the
 * output (retry inside `write`, where it knows what can be retried), and so does a throw from
 * `write` itself, whichever path called it: an item, the linger's timer, a write's end.
 *
 * ```
 * source:  -a--b-c-d-e---------f---|
 *          groupCommit(write, { size: 10, lingerMs: 2 })   (each write takes 4 frames)
 * output:  -------x---y---z----------(w|)
 *
 * x = [a] (lingered 2 frames, written 3..7), y = [b, c] (arrived during x's write: written at
 * once, 7..11), z = [d, e] (11..15), w = [f] (lingered alone, 22..26; completion waits for it)
 * ```
 *
 * @example
 * rows$.pipe(groupCommit((rows) => pool.query(insertAll, [rows]), { size: 5000, lingerMs: 5 }))
 *
 * @param write starts writing a batch (non-empty, in source order); what it emits is passed on.
 * @param options size, linger, concurrency (1) and scheduler.
 * @return An Observable of what the writes emit, in order.
 */
export function groupCommit<T, R>(write: (items: T[]) => ObservableInput<R>, { size, lingerMs, concurrency = 1, scheduler = asyncScheduler }: GroupCommitOptions): OperatorFunction<T, R> {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`groupCommit: size must be an integer >= 1, got ${size}`);
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`groupCommit: concurrency must be an integer >= 1, got ${concurrency}`);
  if (!(lingerMs >= 0)) throw new RangeError(`groupCommit: lingerMs must be >= 0, got ${lingerMs}`);
  return operate<T, R>((subscriber, source) => {
    let waiting: T[] = [];
    let writing = 0;
    let sourceDone = false;
    let timer: Subscription | null = null;

    // Called from an item, the linger's timer and a write's end: `write` may throw in any of them.
    const start = guarded(subscriber, (): void => {
      timer?.unsubscribe();
      timer = null;
      if (writing >= concurrency || waiting.length === 0 || subscriber.closed) return;
      const items = waiting.length <= size ? waiting : waiting.slice(0, size);
      waiting = waiting.length <= size ? [] : waiting.slice(size); // before writing: write may re-enter
      writing++;
      subscriber.add(
        from(write(items)).subscribe({
          next: (result) => subscriber.next(result),
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            writing--;
            if (waiting.length > 0) start(); // they waited a whole write already: no linger
            else if (sourceDone && writing === 0) subscriber.complete();
          },
        }),
      );
    });

    source.subscribe(operatorSubscriber<T>(subscriber, {
      next: (item) => {
        waiting.push(item);
        if (writing >= concurrency) return;
        if (waiting.length >= size) start();
        else if (timer === null) timer = scheduler.schedule(start, lingerMs);
      },
      complete: () => {
        sourceDone = true;
        if (writing === 0 && waiting.length === 0) subscriber.complete();
        else start();
      },
    }));
    return () => {
      timer?.unsubscribe();
      waiting = [];
    };
  });
}
