import { type OperatorFunction, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';
import { operate, operatorSubscriber } from './operate.ts';

export interface BatchOptions {
  /** Emit as soon as a batch holds this many items. */
  readonly size: number;
  /** Emit a batch at the latest this long after its first item arrived. */
  readonly lingerMs: number;
  /** Controls time: the virtual scheduler of a marble test, `asyncScheduler` otherwise. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Groups items into batches that close on size or on linger, whichever comes first: what a sink
 * needs to write one round trip per batch without holding items back when traffic is low.
 *
 * Unlike `bufferTime`, the linger starts with each batch's first item (no empty batches, no
 * timer while idle), and unlike `bufferCount`, a batch never waits for more items than come.
 * On completion the partial batch is flushed, since every item must reach the sink.
 *
 * ```
 * source:  -a-b-c-d--------e-|
 *          batch({ size: 3, lingerMs: 4 })
 * output:  -----x-----y------(z|)
 *
 * x = [a, b, c] (size), y = [d] (4 frames after d), z = [e] (completion)
 * ```
 *
 * @example
 * rows$.pipe(batch({ size: 500, lingerMs: 50 }), concatMap((rows) => insertAll(rows)))
 *
 * @param options size and linger of a batch, and the scheduler that measures the linger.
 * @return An Observable of non-empty arrays, in source order.
 */
export function batch<T>({ size, lingerMs, scheduler = asyncScheduler }: BatchOptions): OperatorFunction<T, T[]> {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`batch: size must be an integer >= 1, got ${size}`);
  if (!(lingerMs >= 0)) throw new RangeError(`batch: lingerMs must be >= 0, got ${lingerMs}`);
  return operate<T, T[]>((subscriber, source) => {
    let items: T[] = [];
    let timer: Subscription | null = null;
    const flush = (): void => {
      timer?.unsubscribe();
      timer = null;
      const full = items;
      items = []; // before emitting: the subscriber may re-enter
      subscriber.next(full);
    };
    source.subscribe(
      operatorSubscriber<T>(subscriber, {
        next: (item) => {
          items.push(item);
          if (items.length >= size) flush();
          else if (timer === null) timer = scheduler.schedule(flush, lingerMs);
        },
        complete: () => {
          if (items.length > 0) flush();
          subscriber.complete();
        },
      }),
    );
    return () => {
      timer?.unsubscribe();
      items = [];
    };
  });
}
