/**
 * The sensor flow of the prototype, as one composable function: Arduino lines → parse →
 * per-topic warm-up → DBSCAN and IsolationForest. It knows no device, database or file: it takes
 * an Observable of lines and returns an Observable of events, so a test hands it `m.cold(...)`
 * and a program hands it a serial port, a Kafka topic or the simulator.
 */
import { type Observable, type OperatorFunction, filter, map, pipe } from 'rxjs';
import { type DbscanOperatorOptions, dbscan } from '../operators/dbscan.ts';
import { type IsolationForestOperatorOptions, isolationForest } from '../operators/isolationForest.ts';
import { fanOut } from '../operators/fanOut.ts';
import { parseLine } from '../operators/parseArduinoLine.ts';
import { perKey } from '../operators/perKey.ts';
import { type WarmUpEvent, warmUp } from '../operators/warmUp.ts';
import type { DeadLetter, Detection, Reading, TimedLine } from '../types.ts';

export type SensorEvent =
  /** A line that parsed: the raw line is kept for the reference log, as the prototype's producer did. */
  | { readonly kind: 'reading'; readonly line: TimedLine; readonly reading: Reading }
  | { readonly kind: 'detection'; readonly detection: Detection }
  | { readonly kind: 'dead-letter'; readonly dead: DeadLetter };

export interface SensorAnomaliesOptions {
  /** Values per window, the newest included; 21 in the prototype. */
  readonly window?: number;
  /** DBSCAN's options, or false to leave it out. */
  readonly dbscan?: DbscanOperatorOptions | false;
  /** IsolationForest's options, or false to leave it out. */
  readonly isolationForest?: IsolationForestOperatorOptions | false;
}

/**
 * For each line, in order: a `reading` (or a `dead-letter`), then one `detection` per detector.
 *
 * ```
 * lines:   -a-b-x-c-|            x = 'no separator'
 * output:  -A-B-X-C-|            A = (reading, dbscan detection, isolation-forest detection), X = dead letter
 * ```
 */
export function sensorAnomalies(lines$: Observable<TimedLine>, options: SensorAnomaliesOptions = {}): Observable<SensorEvent> {
  const { window = 21 } = options;
  const detectors: OperatorFunction<WarmUpEvent<Reading>, Detection>[] = [];
  if (options.dbscan !== false) detectors.push(dbscan(options.dbscan ?? {}));
  if (options.isolationForest !== false) detectors.push(isolationForest(options.isolationForest ?? {}));
  const perTopic = (): OperatorFunction<Reading, Detection> => pipe(warmUp<Reading>(window), fanOut(...detectors));

  return lines$.pipe(
    map((line) => ({ line, parsed: parseLine(line) })),
    // fanOut, not `connect`: `connect` never stops a synchronous source
    fanOut(
      map(({ line, parsed }): SensorEvent =>
        parsed.ok ? { kind: 'reading', line, reading: parsed.value } : { kind: 'dead-letter', dead: parsed.dead },
      ),
      pipe(
        filter(({ parsed }) => parsed.ok),
        map(({ parsed }) => (parsed as { value: Reading }).value),
        perKey((reading) => reading.topic, perTopic),
        map((detection): SensorEvent => ({ kind: 'detection', detection })),
      ),
    ),
  );
}
