/**
 * The sensor flow fed by acknowledgeable records (Kafka), each value a reading: each record is acknowledged once its
 * detections (or its dead letter) are in the durable sinks, so a restart resumes exactly after
 * what is stored. Logs are written too, but do not hold acknowledgements back: they are for
 * people, and may repeat a few records after a crash, where the database never does.
 *
 * A composition of {@link acknowledged}, which holds each record while its outputs are derived
 * and written; a detection the database refuses becomes a dead letter.
 */
import { type Observable, map, tap } from 'rxjs';
import type { SensorRecord } from '../operators/parseKafkaReading.ts';
import type { DeadLetter, Detection, Written } from '../types.ts';
import { type Routed, acknowledged } from './acknowledged.ts';
import { type DurableSink, type Refusal, refusedDeadLetter } from './acknowledgements.ts';
import { type SensorAnomaliesOptions, type SensorEvent, sensorRecordAnomalies } from './sensorAnomalies.ts';
import { type SensorOutputs, type SensorSinks, sensorOutput } from './sensorPipeline.ts';

/** A sensor record and the way to say it is done: a `KafkaRecord` is one. */
export interface AcknowledgeableRecord extends SensorRecord {
  ack(): void;
}

export interface AcknowledgedSensorSinks {
  /** Durable and idempotent on the detection's source and detector, e.g. `toPostgres(pool, sensorDetectionsTable)`. */
  readonly detections: DurableSink<Detection>;
  readonly deadLetters: DurableSink<DeadLetter>;
  /** Further sinks, not waited for. */
  readonly logs?: SensorSinks<AcknowledgeableRecord>;
}

export interface AcknowledgedSensorsOptions extends SensorAnomaliesOptions {
  /** Told of each event of the flow (readings, detections, dead letters), e.g. for metrics. */
  readonly onEvent?: (event: SensorEvent) => void;
}

export function acknowledgedSensors(
  records$: Observable<AcknowledgeableRecord>,
  sinks: AcknowledgedSensorSinks,
  options: AcknowledgedSensorsOptions = {},
): Observable<Written<unknown>> {
  // the database's refusal is an event of the flow too: metrics count it with the other dead letters
  const deadLetter = (refusal: Refusal<SensorOutputs<AcknowledgeableRecord>[keyof SensorOutputs]>, sink: string): DeadLetter => {
    const dead = refusedDeadLetter(refusal as Refusal<Detection>, sink, (refusal.item as Detection).time);
    options.onEvent?.({ kind: 'dead-letter', dead });
    return dead;
  };
  return acknowledged<AcknowledgeableRecord, Routed<SensorOutputs<AcknowledgeableRecord>>>(
    records$,
    (held$) => sensorRecordAnomalies(held$, options).pipe(tap((event) => options.onEvent?.(event)), map(sensorOutput)),
    { name: 'acknowledgedSensors', durable: { detections: [sinks.detections], deadLetters: [sinks.deadLetters] }, logs: sinks.logs, deadLetter },
  );
}
