import type { OperatorFunction } from 'rxjs';
import { operate, operatorSubscriber } from './operate.ts';

/** What {@link warmUp} emits for each item: either the window is still filling, or it is full. */
export type WarmUpEvent<T> =
  | { readonly kind: 'filling'; readonly item: T; /** items so far / size, in (0, 1) */ readonly fill: number }
  | { readonly kind: 'window'; readonly item: T; /** the last `size` items, oldest first, `item` last */ readonly window: readonly T[] };

/**
 * Where {@link warmUp} keeps each key's window: in memory ({@link windowsBy}), or in a state store
 * that outlives the process. Windows are immutable arrays, replaced on every item, so that a
 * store can keep a reference to each one and write it down later without copying.
 */
export interface Windows<T> {
  /** The window of the item's key so far (at most `size` items, newest last), if any. */
  get(item: T): readonly T[] | undefined;
  /** Replaces the window of the item's key; `window` ends with the item and is never mutated. */
  set(item: T, window: readonly T[]): void;
}

/** Windows in memory, one per key; one for all when `keyOf` is left out. */
export function windowsBy<T>(keyOf: (item: T) => string = () => ''): () => Windows<T> {
  return () => {
    const windows = new Map<string, readonly T[]>();
    return { get: (item) => windows.get(keyOf(item)), set: (item, window) => void windows.set(keyOf(item), window) };
  };
}

/**
 * The prototype's warm-up: while fewer than `size` items have arrived, each one only initialises
 * (state -2) and reports how full the window is; from the `size`-th item on, each item comes with
 * the window of the last `size` items, newest last, for a detector to label it.
 *
 * Each key has a window of its own (readings of several sensors on one stream): all the windows
 * are in one {@link Windows}, rather than in an RxJS pipeline per key (`groupBy`, about twice the
 * memory), so a state store can hold them (`src/streams/sensorSeries.ts`).
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
 *          warmUp(2, windowsBy((x) => x[0]))
 * output:  -A--B--C--D--|
 *
 * A = filling a1 (1/2), B = filling b1 (1/2), C = window [a1, a2], D = window [a2, a3]
 * ```
 *
 * @example
 * readings$.pipe(warmUp(21, windowsBy((r) => r.topic)), map((e) => (e.kind === 'filling' ? initialising(e) : detect(e.window))))
 *
 * @param size how many items a window holds; 21 in the prototype.
 * @param windows makes, for each subscription, where the windows are kept; one window in memory by default.
 * @return An Observable of one {@link WarmUpEvent} per source item.
 */
export function warmUp<T>(size = 21, windows: () => Windows<T> = windowsBy<T>()): OperatorFunction<T, WarmUpEvent<T>> {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`warmUp: size must be an integer >= 1, got ${size}`);
  return operate<T, WarmUpEvent<T>>((subscriber, source) => {
    const state = windows();
    source.subscribe(operatorSubscriber<T>(subscriber, {
      next: (item) => {
        // a fresh array each time: the state and the consumer may both keep it
        const previous = state.get(item) ?? [];
        const from = previous.length < size ? 0 : previous.length - size + 1;
        const window = new Array<T>(previous.length - from + 1);
        for (let i = from; i < previous.length; i++) window[i - from] = previous[i]!;
        window[window.length - 1] = item;
        state.set(item, window);
        if (window.length < size) subscriber.next({ kind: 'filling', item, fill: window.length / size });
        else subscriber.next({ kind: 'window', item, window });
      },
    }));
  });
}
