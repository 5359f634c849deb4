import type { OperatorFunction } from 'rxjs';
import { operate, operatorSubscriber } from './operate.ts';

/** What {@link warmUp} emits for each item: either the window is still filling, or it is full. */
export type WarmUpEvent<T> =
  | { readonly kind: 'filling'; readonly item: T; /** items so far / size, in (0, 1) */ readonly fill: number }
  | { readonly kind: 'window'; readonly item: T; /** the last `size` items, oldest first, `item` last */ readonly window: readonly T[] };

/**
 * The prototype's warm-up: while fewer than `size` items have arrived, each one only initialises
 * (state -2) and reports how full the window is; from the `size`-th item on, each item comes with
 * the window of the last `size` items, newest last, for a detector to label it.
 *
 * With `keyOf`, each key has a window of its own (readings of several sensors on one stream):
 * one Map of small ring buffers, all the state of the flow's windows in one place, rather than an
 * RxJS pipeline per key (`groupBy`), which costs about 15 KiB a key.
 *
 * Unlike `bufferCount(size, 1)`, it never emits a partial window on completion: a detector fitted
 * on fewer values than configured would label differently from the running stream.
 *
 * ```
 * source:  -a--b--c--d--|
 *          warmUp(3)
 * output:  -A--B--C--D--|
 *
 * A = filling a (1/3), B = filling b (2/3), C = window [a, b, c], D = window [b, c, d]
 *
 * source:  -a1-b1-a2-a3-|
 *          warmUp(2, (x) => x[0])
 * output:  -A--B--C--D--|
 *
 * A = filling a1 (1/2), B = filling b1 (1/2), C = window [a1, a2], D = window [a2, a3]
 * ```
 *
 * @example
 * readings$.pipe(warmUp(21, (r) => r.topic), map((e) => (e.kind === 'filling' ? initialising(e) : detect(e.window))))
 *
 * @param size how many items a window holds; 21 in the prototype.
 * @param keyOf the key of an item's window; without it, one window for all.
 * @return An Observable of one {@link WarmUpEvent} per source item.
 */
export function warmUp<T>(size = 21, keyOf?: (item: T) => string): OperatorFunction<T, WarmUpEvent<T>> {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`warmUp: size must be an integer >= 1, got ${size}`);
  return operate<T, WarmUpEvent<T>>((subscriber, source) => {
    // Ring buffers: no per-item allocation but the emitted window itself, which the consumer
    // may keep, so it is a fresh array each time.
    let windows = new Map<string, Ring<T>>();
    source.subscribe(operatorSubscriber<T>(subscriber, {
      next: (item) => {
        const key = keyOf ? keyOf(item) : '';
        let ring = windows.get(key);
        if (!ring) windows.set(key, (ring = { items: new Array<T | undefined>(size), count: 0 }));
        ring.items[ring.count % size] = item;
        const count = ++ring.count;
        if (count < size) {
          subscriber.next({ kind: 'filling', item, fill: count / size });
          return;
        }
        const window = new Array<T>(size);
        const start = count % size;
        for (let i = 0; i < size; i++) window[i] = ring.items[(start + i) % size] as T;
        subscriber.next({ kind: 'window', item, window });
      },
    }));
    return () => {
      windows = new Map();
    };
  });
}

/** One key's window: its last `size` items, the newest at `(count - 1) % size`. */
interface Ring<T> {
  readonly items: (T | undefined)[];
  count: number;
}
