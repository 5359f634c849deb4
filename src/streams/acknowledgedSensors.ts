/**
 * The sensor flow fed by acknowledgeable records (Kafka): each record is acknowledged once its
 * detections (or its dead letter) are in the durable sinks, so a restart resumes exactly after
 * what is stored; a detection the database refuses becomes a dead letter, and its record waits
 * for that instead. Logs are written too, but do not hold acknowledgements back: they are for
 * people, and may repeat a few records after a crash, where the database never does.
 */
import { type Observable, type OperatorFunction, defer, map, pipe, tap } from 'rxjs';
import type { DeadLetter, Detection, Refused, SourceRef, TimedLine, Written } from '../types.ts';
import { deadLetterRefused } from './deadLetterRefused.ts';
import { Acknowledgements } from './acknowledgements.ts';
import { type SensorAnomaliesOptions, type SensorEvent, sensorAnomalies } from './sensorAnomalies.ts';
import { type SensorSinks, routeSensorEvents } from './sensorPipeline.ts';

export interface AcknowledgeableLine {
  readonly line: TimedLine;
  ack(): void;
}

export interface AcknowledgedSensorSinks {
  /** Durable and idempotent on the detection's source and detector, e.g. `toPostgres(pool, sensorDetections)`. */
  readonly detections: OperatorFunction<Detection, Written<Detection>>;
  readonly deadLetters: OperatorFunction<DeadLetter, Written<DeadLetter>>;
  /** Further sinks, not waited for. */
  readonly logs?: SensorSinks;
}

export interface AcknowledgedSensorsOptions extends SensorAnomaliesOptions {
  /** Told of each event of the flow (readings, detections, dead letters), e.g. for metrics. */
  readonly onEvent?: (event: SensorEvent) => void;
}

export function acknowledgedSensors(
  records$: Observable<AcknowledgeableLine>,
  sinks: AcknowledgedSensorSinks,
  options: AcknowledgedSensorsOptions = {},
): Observable<Written<unknown>> {
  const detectors = (options.dbscan === false ? 0 : 1) + (options.isolationForest === false ? 0 : 1);
  return defer(() => {
    const acks = new Acknowledgements();
    // each line in flight, found again by its ref object (passed on as it is) if a detection is refused
    const lines = new WeakMap<SourceRef, TimedLine>();
    const lines$ = records$.pipe(
      tap((record) => {
        acks.received(record.line.ref, () => record.ack());
        lines.set(record.line.ref, record.line);
      }),
      map((record) => record.line),
    );
    const refusedDetection = ({ item, reason }: Refused<Detection>, sink: string): DeadLetter => {
      const line = lines.get(item.ref);
      // one stage per detector, so that both detectors' refusals of a line are kept
      return { stage: `${sink}/${item.detector}`, reason, raw: line?.line ?? JSON.stringify(item), ref: item.ref, time: line?.time ?? item.time };
    };
    return sensorAnomalies(lines$, options).pipe(
      tap((event) => {
        options.onEvent?.(event);
        if (event.kind === 'reading') acks.expect(event.reading.ref, detectors);
        else if (event.kind === 'dead-letter') acks.expect(event.dead.ref, 1);
      }),
      routeSensorEvents({
        readings: sinks.logs?.readings ?? [],
        detections: [
          pipe(sinks.detections, deadLetterRefused(sinks.deadLetters, refusedDetection), tap((w) => acks.written(w))),
          ...(sinks.logs?.detections ?? []),
        ],
        deadLetters: [pipe(sinks.deadLetters, tap((w) => acks.written(w))), ...(sinks.logs?.deadLetters ?? [])],
      }),
    );
  });
}
