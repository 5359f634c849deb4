/**
 * NAB's corpus streamed through vigie's own operators: each data file becomes a stream of
 * {@link Reading}s (topic = the file's name, time = its timestamp, ref = its row), piped through a
 * detector operator exactly as a flow pipes Kafka or serial readings, and each row's anomaly score
 * is what the detector said of that reading, computed as it arrived (no look-ahead: the operator
 * only ever sees rows up to the current one).
 */
import { type Observable, type OperatorFunction, from, lastValueFrom, toArray } from 'rxjs';
import { VigieError } from '../../errors.ts';
import type { Detection, Reading } from '../../types.ts';
import { readDataFile, readWindows, windowRows } from './corpus.ts';
import type { NabFile } from './scorer.ts';

/** Makes a fresh detector for one series: state is never shared between files. */
export type DetectorFactory = () => OperatorFunction<Reading, Detection>;

/** NAB timestamps (`YYYY-MM-DD HH:MM:SS`, no zone) as UTC epoch ms. */
export function nabTime(timestamp: string): number {
  const ms = Date.parse(`${timestamp.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw new VigieError('CONFIG_INVALID', `NAB timestamp "${timestamp}" is not a date`);
  return ms;
}

/** One file's rows as the readings a source would emit, in order. */
export function nabReadings(name: string, timestamps: readonly string[], values: readonly number[]): Observable<Reading> {
  return from(values.map((value, i): Reading => ({ topic: name, value, time: nabTime(timestamps[i]!), ref: { source: `nab:${name}`, partition: 0, offset: i } })));
}

/**
 * The detector's score for each reading, in row order. A reading still initialising (score null)
 * scores 0: it is never a detection. A detector that drops, duplicates or reorders readings is an
 * error here, since the scorer needs exactly one score per row.
 */
export async function scoreSeries(name: string, timestamps: readonly string[], values: readonly number[], detector: DetectorFactory): Promise<Float64Array> {
  const detections = await lastValueFrom(nabReadings(name, timestamps, values).pipe(detector(), toArray()));
  if (detections.length !== values.length) {
    throw new VigieError('CONFIG_INVALID', `detector emitted ${detections.length} detections for ${values.length} rows`, { where: { file: name } });
  }
  const scores = new Float64Array(values.length);
  detections.forEach((d, i) => {
    if (d.ref.offset !== i) throw new VigieError('CONFIG_INVALID', `detection ${i} is for row ${d.ref.offset}`, { where: { file: name } });
    scores[i] = d.score ?? 0;
  });
  return scores;
}

/**
 * Every labelled file of the corpus under `dataDir` scored by a fresh detector, ready for the
 * scorer; `onFile` hears of each as it is done.
 */
export async function streamCorpus(
  dataDir: string,
  detector: DetectorFactory,
  onFile: (file: NabFile, index: number, total: number) => void = () => {},
): Promise<NabFile[]> {
  const labels = readWindows(dataDir);
  const names = Object.keys(labels).sort();
  const files: NabFile[] = [];
  for (const [index, name] of names.entries()) {
    const { timestamps, values } = readDataFile(dataDir, name);
    const scores = await scoreSeries(name, timestamps, values, detector);
    const file: NabFile = { name, timestamps, scores, windows: windowRows(name, timestamps, labels[name]!) };
    files.push(file);
    onFile(file, index, names.length);
  }
  return files;
}
