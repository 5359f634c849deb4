import type { OperatorFunction } from 'rxjs';
import { StateStore } from '../state/stateStore.ts';
import type { Reading } from '../types.ts';
import { operate, operatorSubscriber } from './operate.ts';
import type { WarmUpEvent } from './warmUp.ts';

/** A series' warm-up state as written down: how many readings it has seen (up to the window) and the last ones. */
export interface SeriesWindow {
  readonly seen: number;
  /** The last `size - 1` readings at most, oldest first: what the next window needs. */
  readonly recent: readonly { readonly value: number; readonly time: number; readonly offset: number }[];
}

/**
 * A reading's series within its source partition: its topic and record key (null for none). The
 * topic is in it because a serial port's lines, all from one source, name their topics.
 */
const seriesKey = (reading: Reading): string => JSON.stringify([reading.topic, reading.key ?? null]);

/**
 * {@link warmUp} for every series at once, its windows kept in a {@link StateStore} under the
 * reading's source partition, topic and record key, so that they can be checkpointed with the offsets
 * they cover and restored after a restart or a partition move: the readings after it then get the
 * windows of an uninterrupted run, not 20 more states -2. The windows are rebuilt from what is
 * stored (value, time, offset; topic, partition and key are the series'): the same readings.
 *
 * ```
 * source:  -a1-b1-a2-a3-|      a, b: two series (record keys) of one partition
 *          seriesWarmUp(2)
 * output:  -A1-B1-A2-A3-|      A1 = filling a1 (1/2), B1 = filling b1 (1/2), A2 = window [a1, a2], A3 = window [a2, a3]
 * ```
 *
 * @example
 * readings$.pipe(seriesWarmUp(21, store), fanOut(dbscan(), isolationForest()))
 *
 * @param size how many readings a window holds; 21 in the prototype.
 * @param store where the windows live; a store of its own by default.
 * @return An Observable of one {@link WarmUpEvent} per reading.
 */
export function seriesWarmUp(size = 21, store?: StateStore<SeriesWindow>): OperatorFunction<Reading, WarmUpEvent<Reading>> {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`seriesWarmUp: size must be an integer >= 1, got ${size}`);
  return operate<Reading, WarmUpEvent<Reading>>((subscriber, source) => {
    const windows = store ?? new StateStore<SeriesWindow>('sensor-windows');
    source.subscribe(operatorSubscriber<Reading>(subscriber, {
      next: (reading) => {
        const { ref } = reading;
        const partition = windows.partition(ref.source, ref.partition);
        const key = seriesKey(reading);
        const before = partition.get(key) ?? { seen: 0, recent: [] };
        const seen = Math.min(before.seen + 1, size);
        const kept = before.recent.length >= size - 1 ? before.recent.slice(before.recent.length - (size - 2)) : before.recent;
        const recent = size === 1 ? [] : [...kept, { value: reading.value, time: reading.time, offset: ref.offset }];
        partition.set(key, { seen, recent });
        if (seen < size) {
          subscriber.next({ kind: 'filling', item: reading, fill: seen / size });
          return;
        }
        const window = before.recent
          .slice(before.recent.length - (size - 1))
          .map((r): Reading => ({ ...reading, value: r.value, time: r.time, ref: { ...ref, offset: r.offset } }));
        window.push(reading);
        subscriber.next({ kind: 'window', item: reading, window });
      },
    }));
  });
}
