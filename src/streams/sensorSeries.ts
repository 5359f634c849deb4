/**
 * The sensor flow's state, in one place: each series has its own warm-up window and its own
 * detectors, so its detections are those it would get alone, however its records interleave
 * with other series' (Kafka fetches partitions in any order and grouping). This is the state a
 * restart must restore; a state store plugs in here.
 */
import { type OperatorFunction, pipe } from 'rxjs';
import { type DbscanOperatorOptions, dbscan } from '../operators/dbscan.ts';
import { fanOut } from '../operators/fanOut.ts';
import { type IsolationForestOperatorOptions, isolationForest } from '../operators/isolationForest.ts';
import { type WarmUpEvent, warmUp } from '../operators/warmUp.ts';
import type { Detection, Reading } from '../types.ts';

export interface SeriesDetectionOptions {
  /** Values per window, the newest included; 21 in the prototype. */
  readonly window?: number;
  /** DBSCAN's options, or false to leave it out. */
  readonly dbscan?: DbscanOperatorOptions | false;
  /** IsolationForest's options, or false to leave it out. */
  readonly isolationForest?: IsolationForestOperatorOptions | false;
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
  // detectors label one window at a time and keep nothing: the windows are the whole state
  return pipe(warmUp<Reading>(window, seriesOf), fanOut(...detectors));
}
