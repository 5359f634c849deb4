/**
 * The sensor flow's state, in one place: each series has its own warm-up window and its own
 * detectors, so its detections are those it would get alone, however its records interleave
 * with other series' (Kafka fetches partitions in any order and grouping). This is the state a
 * restart must restore: its windows live in a state store, checkpointed with their offsets.
 */
import { type OperatorFunction, pipe } from 'rxjs';
import { type DbscanOperatorOptions, dbscan } from '../operators/dbscan.ts';
import { fanOut } from '../operators/fanOut.ts';
import { type IsolationForestOperatorOptions, isolationForest } from '../operators/isolationForest.ts';
import { type SeriesWindow, seriesWarmUp } from '../operators/seriesWarmUp.ts';
import type { WarmUpEvent } from '../operators/warmUp.ts';
import type { StateStore } from '../state/stateStore.ts';
import type { Detection, Reading } from '../types.ts';

export interface SeriesDetectionOptions {
  /** Values per window, the newest included; 21 in the prototype. */
  readonly window?: number;
  /** DBSCAN's options, or false to leave it out. */
  readonly dbscan?: DbscanOperatorOptions | false;
  /** IsolationForest's options, or false to leave it out. */
  readonly isolationForest?: IsolationForestOperatorOptions | false;
  /** Where the windows live; give one to checkpoint them with their offsets (src/state/). */
  readonly store?: StateStore<SeriesWindow>;
}

/**
 * Per series: warm-up, then one detection per detector for each reading, in order. The detectors
 * label each window alone (IsolationForest is seeded per window), so the windows are the whole
 * state: kept per source partition and record key by `seriesWarmUp`.
 */
export function detectPerSeries(options: SeriesDetectionOptions = {}): OperatorFunction<Reading, Detection> {
  const { window = 21 } = options;
  const detectors: OperatorFunction<WarmUpEvent<Reading>, Detection>[] = [];
  if (options.dbscan !== false) detectors.push(dbscan(options.dbscan ?? {}));
  if (options.isolationForest !== false) detectors.push(isolationForest(options.isolationForest ?? {}));
  return pipe(seriesWarmUp(window, options.store), fanOut(...detectors));
}
