/**
 * The sensor flow's state, in one place: each series has its own warm-up window, so its
 * detections are those it would get alone, however its records interleave with other series'
 * (Kafka fetches partitions in any order and grouping). Given a state store, the windows live in
 * it, per source partition, and are written down with the offsets they cover, so that a restart
 * or a partition moving to another process goes on with the windows an uninterrupted run holds.
 */
import { type OperatorFunction, pipe } from 'rxjs';
import { type DbscanOperatorOptions, dbscan } from '../operators/dbscan.ts';
import { fanOut } from '../operators/fanOut.ts';
import { type IsolationForestOperatorOptions, isolationForest } from '../operators/isolationForest.ts';
import { type WarmUpEvent, type Windows, warmUp, windowsBy } from '../operators/warmUp.ts';
import type { StateStore } from '../state/stateStore.ts';
import type { Detection, Reading } from '../types.ts';

export interface SeriesDetectionOptions {
  /** Values per window, the newest included; 21 in the prototype. */
  readonly window?: number;
  /** DBSCAN's options, or false to leave it out. */
  readonly dbscan?: DbscanOperatorOptions | false;
  /** IsolationForest's options, or false to leave it out. */
  readonly isolationForest?: IsolationForestOperatorOptions | false;
  /** Where the windows are kept, per source partition (Kafka); in memory, for this run only, when left out. */
  readonly store?: StateStore<readonly Reading[]>;
}

/**
 * A reading's series: its topic, source partition and record key. The partition is in it because
 * only within one partition does Kafka keep order; a serial device's lines are all partition 0.
 */
export const seriesOf = (reading: Reading): string => JSON.stringify([reading.topic, reading.ref.partition, reading.key ?? null]);

/** Per series: warm-up, then one detection per detector for each reading, in order. */
export function detectPerSeries(options: SeriesDetectionOptions = {}): OperatorFunction<Reading, Detection> {
  const { window = 21 } = options;
  const detectors: OperatorFunction<WarmUpEvent<Reading>, Detection>[] = [];
  if (options.dbscan !== false) detectors.push(dbscan(options.dbscan ?? {}));
  if (options.isolationForest !== false) detectors.push(isolationForest(options.isolationForest ?? {}));
  const windows = options.store ? storedWindows(options.store) : windowsBy(seriesOf);
  // detectors label one window at a time and keep nothing: the windows are the whole state
  return pipe(warmUp<Reading>(window, windows), fanOut(...detectors));
}

/** Each series' window in the state of its source partition, under its topic and key. */
function storedWindows(store: StateStore<readonly Reading[]>): () => Windows<Reading> {
  const keyOf = (r: Reading): string => JSON.stringify([r.topic, r.key ?? null]);
  return () => ({
    get: (r) => store.partition(r.ref.source, r.ref.partition).get(keyOf(r)),
    set: (r, window) => store.partition(r.ref.source, r.ref.partition).set(keyOf(r), window, r.ref.offset),
  });
}
