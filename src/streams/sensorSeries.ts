/**
 * The sensor flow's state, in one place: each series has its own warm-up window and its own
 * detectors, so its detections are those it would get alone, however its records interleave
 * with other series' (Kafka fetches partitions in any order and grouping). This is the state a
 * restart must restore: its windows and its online detectors live in state stores, checkpointed
 * with their offsets.
 */
import { type OperatorFunction, pipe } from 'rxjs';
import { type DbscanOperatorOptions, dbscan } from '../operators/dbscan.ts';
import { fanOut } from '../operators/fanOut.ts';
import { type IsolationForestOperatorOptions, isolationForest } from '../operators/isolationForest.ts';
import { type SeriesWindow, seriesWarmUp } from '../operators/seriesWarmUp.ts';
import type { WarmUpEvent } from '../operators/warmUp.ts';
import type { StateStore } from '../state/stateStore.ts';
import { DEFAULT_DETECTORS, DETECTORS, type DetectorName } from '../catalogue/detectors.ts';
import type { SeriesDetectorKind } from '../detectors/seriesDetector.ts';
import { type SeriesDetectorState, seriesDetect } from '../operators/seriesDetect.ts';
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
  /** The catalogue's detectors to run (src/catalogue/detectors.ts); the prototype's pair by default. */
  readonly detectors?: readonly DetectorName[];
  /** Where the online detectors live, one per series and detector; checkpointed like the windows. */
  readonly detectorStore?: StateStore<SeriesDetectorState>;
}

/**
 * Per series, for each reading, in order: one detection per detector, the window detectors
 * (DBSCAN, IsolationForest: warm-up, then each window labelled alone, IsolationForest seeded per
 * window) first, then the online ones in the order named. The windows and the online detectors
 * are the whole state, kept per source partition and record key.
 */
export function detectPerSeries(options: SeriesDetectionOptions = {}): OperatorFunction<Reading, Detection> {
  const { window = 21, detectors: names = DEFAULT_DETECTORS } = options;
  const windowed: OperatorFunction<WarmUpEvent<Reading>, Detection>[] = [];
  if (names.includes('dbscan') && options.dbscan !== false) windowed.push(dbscan(options.dbscan ?? {}));
  if (names.includes('isolation-forest') && options.isolationForest !== false) windowed.push(isolationForest(options.isolationForest ?? {}));
  const online: Record<string, SeriesDetectorKind> = {};
  for (const name of names) {
    const { series } = DETECTORS[name] as { series?: SeriesDetectorKind };
    if (series) online[name] = series;
  }
  const branches: OperatorFunction<Reading, Detection>[] = [];
  if (windowed.length > 0) branches.push(pipe(seriesWarmUp(window, options.store), fanOut(...windowed)));
  if (Object.keys(online).length > 0) branches.push(seriesDetect(online, options.detectorStore));
  return fanOut(...branches);
}
