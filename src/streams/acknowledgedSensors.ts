/**
 * The sensor flow fed by acknowledgeable records (Kafka), each value a reading: each record is acknowledged once its
 * detections (or its dead letter) are in the durable sinks, so a restart resumes exactly after
 * what is stored. Logs are written too, but do not hold acknowledgements back: they are for
 * people, and may repeat a few records after a crash, where the database never does.
 *
 * Nothing here counts rows: the flow is synchronous from a record to its outputs, so
 * `acks.inputs` holds each record while they are derived, and `acks.durable` while they are
 * written (see acknowledgements.ts). A detection the database refuses becomes a dead letter.
 */
import { type Observable, Subject, defer, finalize, mergeWith, pipe, tap } from 'rxjs';
import { fanOut } from '../operators/fanOut.ts';
import type { SensorRecord } from '../operators/parseKafkaReading.ts';
import type { DeadLetter, Detection, Written } from '../types.ts';
import { Acknowledgements, type DurableSink, refusedDeadLetter } from './acknowledgements.ts';
import { type SensorAnomaliesOptions, type SensorEvent, sensorRecordAnomalies } from './sensorAnomalies.ts';
import { type SensorSinks, routeSensorEvents } from './sensorPipeline.ts';

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
  return defer(() => {
    const acks = new Acknowledgements('acknowledgedSensors');
    // Open until the detections' sink is done: what it refuses comes back as dead letters.
    const refused = new Subject<DeadLetter>();
    const inputs$ = records$.pipe(acks.inputs((record) => record.ref, (record) => record.ack()));
    return sensorRecordAnomalies(inputs$, options).pipe(
      tap((event) => options.onEvent?.(event)),
      routeSensorEvents({
        readings: sinks.logs?.readings ?? [],
        detections: [
          pipe(
            acks.durable([sinks.detections], (refusal, sink) => {
              const dead = refusedDeadLetter(refusal, sink, refusal.item.time);
              options.onEvent?.({ kind: 'dead-letter', dead });
              refused.next(dead);
            }),
            finalize(() => refused.complete()),
          ),
          ...(sinks.logs?.detections ?? []),
        ],
        deadLetters: [pipe(mergeWith(refused), fanOut(acks.durable([sinks.deadLetters]), ...(sinks.logs?.deadLetters ?? [])))],
      }),
    );
  });
}
