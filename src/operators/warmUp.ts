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
 * Unlike `bufferCount(size, 1)`, it never emits a partial window on completion: a detector fitted
 * on fewer values than configured would label differently from the running stream.
 *
 * ```
 * source:  -a--b--c--d--|
 *          warmUp(3)
 * output:  -A--B--C--D--|
 *
 * A = filling a (1/3), B = filling b (2/3), C = window [a, b, c], D = window [b, c, d]
 * ```
 *
 * @example
 * readings$.pipe(warmUp(21), map((e) => (e.kind === 'filling' ? initialising(e) : detect(e.window))))
 *
 * @param size how many items a window holds; 21 in the prototype.
 * @return An Observable of one {@link WarmUpEvent} per source item.
 */
export function warmUp<T>(size = 21): OperatorFunction<T, WarmUpEvent<T>> {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`warmUp: size must be an integer >= 1, got ${size}`);
  return operate<T, WarmUpEvent<T>>((subscriber, source) => {
    // A ring buffer: no per-item allocation but the emitted window itself, which the
    // consumer may keep, so it is a fresh array each time.
    let ring: (T | undefined)[] = new Array<T | undefined>(size);
    let count = 0;
    source.subscribe(operatorSubscriber<T>(subscriber, {
      next: (item) => {
        ring[count % size] = item;
        count++;
        if (count < size) {
          subscriber.next({ kind: 'filling', item, fill: count / size });
          return;
        }
        const window = new Array<T>(size);
        const start = count % size;
        for (let i = 0; i < size; i++) window[i] = ring[(start + i) % size] as T;
        subscriber.next({ kind: 'window', item, window });
      },
    }));
    return () => {
      ring = [];
    };
  });
}
