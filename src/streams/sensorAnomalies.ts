/**
 * The sensor flow of the prototype, as one composable function: inputs → parse → per-series
 * warm-up → DBSCAN and IsolationForest. It knows no device, database or file: it takes an
 * Observable of inputs and returns an Observable of events, so a test hands it `m.cold(...)` and
 * a program hands it a serial port, the simulator ({@link sensorAnomalies}: `topic!value` lines)
 * or a Kafka topic ({@link sensorRecordAnomalies}: each record's value is the reading).
 */
import { type Observable, filter, map, pipe } from 'rxjs';
import { fanOut } from '../operators/fanOut.ts';
import { parseTimedLine } from '../operators/parseArduinoLine.ts';
import { type SensorRecord, parseSensorRecord } from '../operators/parseKafkaReading.ts';
import type { DeadLetter, Detection, Parsed, Reading, TimedLine } from '../types.ts';
import { type SeriesDetectionOptions, detectPerSeries } from './sensorSeries.ts';

export type SensorEvent<In = unknown> =
  /** An input that parsed, kept beside its reading (the reference log stores the raw line, as the prototype's producer did). */
  | { readonly kind: 'reading'; readonly input: In; readonly reading: Reading }
  | { readonly kind: 'detection'; readonly detection: Detection }
  | { readonly kind: 'dead-letter'; readonly dead: DeadLetter };

export type SensorAnomaliesOptions = SeriesDetectionOptions;

/**
 * For each line, in order: a `reading` (or a `dead-letter`), then one `detection` per detector.
 *
 * ```
 * lines:   -a-b-x-c-|            x = 'no separator'
 * output:  -A-B-X-C-|            A = (reading, dbscan detection, isolation-forest detection), X = dead letter
 * ```
 */
export function sensorAnomalies(lines$: Observable<TimedLine>, options: SensorAnomaliesOptions = {}): Observable<SensorEvent<TimedLine>> {
  return parsedSensorAnomalies(lines$, parseTimedLine, options);
}

/**
 * The same for Kafka records: the value is the reading, the window is the record's series
 * (topic, partition, key), and a value that is not a number is a dead letter.
 *
 * ```
 * records: -a-b-x-c-|            x = '12!5' on partition 0; c on partition 1: a window of its own
 * output:  -A-B-X-C-|
 * ```
 */
export function sensorRecordAnomalies<R extends SensorRecord>(records$: Observable<R>, options: SensorAnomaliesOptions = {}): Observable<SensorEvent<R>> {
  return parsedSensorAnomalies(records$, parseSensorRecord, options);
}

function parsedSensorAnomalies<In>(inputs$: Observable<In>, parse: (input: In) => Parsed<Reading>, options: SensorAnomaliesOptions): Observable<SensorEvent<In>> {
  return inputs$.pipe(
    map((input) => ({ input, parsed: parse(input) })),
    // fanOut, not `connect`: `connect` never stops a synchronous source
    fanOut(
      map(({ input, parsed }): SensorEvent<In> =>
        parsed.ok ? { kind: 'reading', input, reading: parsed.value } : { kind: 'dead-letter', dead: parsed.dead },
      ),
      pipe(
        filter(({ parsed }) => parsed.ok),
        map(({ parsed }) => (parsed as { value: Reading }).value),
        detectPerSeries(options),
        map((detection): SensorEvent<In> => ({ kind: 'detection', detection })),
      ),
    ),
  );
}
