import type { OperatorFunction } from 'rxjs';
import type { SeriesDetector, SeriesDetectorKind } from '../detectors/seriesDetector.ts';
import { StateStore } from '../state/stateStore.ts';
import type { Detection, Reading } from '../types.ts';
import { operate, operatorSubscriber } from './operate.ts';

/** A series' detector in the store: live while it runs, its snapshot (JSON) once written down or restored. */
export type SeriesDetectorState = SeriesDetector | unknown;

/** Every live detector this operator made, whichever subscription made it: the rest in a store are snapshots. */
const live = new WeakSet<object>();

/**
 * Runs online detectors on every series at once, one detector of each kind per series (source
 * partition, topic, record key), kept in a {@link StateStore} so that a checkpoint writes each
 * down with the offsets it covers and a restart or a partition move carries on from there: the
 * readings after it get the detections of an uninterrupted run, not a second learning period.
 *
 * The store holds the live detectors (marked dirty at each reading); at a checkpoint, the store's
 * `compact` turns the dirty ones into their snapshots, synchronously, at the checkpoint's
 * position; a detector restored from a snapshot is rebuilt at its series' next reading.
 *
 * ```
 * source:  -a1-b1-a2-|        a, b: two series (record keys) of one partition
 *          seriesDetect({ x: kind })      (kind learns from one reading, then scores)
 * output:  -A1-B1-A2-|        A1 = a1 initialising, B1 = b1 initialising, A2 = a2 scored by a's detector
 * ```
 *
 * @example
 * readings$.pipe(seriesDetect({ 'contextual+art': DETECTORS['contextual+art'].series }, store))
 *
 * @param kinds the detectors by name (the name is the state's, the detection's comes from the detector).
 * @param store where the detectors live; a store of its own by default.
 * @return An Observable of one {@link Detection} per reading and detector, in the order of `kinds`.
 */
export function seriesDetect(kinds: Readonly<Record<string, SeriesDetectorKind>>, store?: StateStore<SeriesDetectorState>): OperatorFunction<Reading, Detection> {
  const named = Object.entries(kinds);
  return operate<Reading, Detection>((subscriber, source) => {
    const detectors = store ?? new StateStore<SeriesDetectorState>('sensor-detectors');
    // Left in place after teardown: a checkpoint taken as the flow stops still needs it.
    detectors.compact = (changes) => {
      for (const [key, value] of changes) if (value !== undefined && live.has(value as object)) changes.set(key, (value as SeriesDetector).snapshot());
    };
    source.subscribe(operatorSubscriber<Reading>(subscriber, {
      next: (reading) => {
        const partition = detectors.partition(reading.ref.source, reading.ref.partition);
        for (const [name, kind] of named) {
          const key = JSON.stringify([reading.topic, reading.key ?? null, name]);
          const held = partition.get(key);
          let detector: SeriesDetector;
          if (held !== undefined && live.has(held as object)) detector = held as SeriesDetector;
          else {
            detector = held === undefined ? kind.create() : kind.restore(held);
            live.add(detector);
          }
          const detection = detector.update(reading);
          partition.set(key, detector); // marks it dirty: the next checkpoint writes it
          subscriber.next(detection);
        }
      },
    }));
  });
}
