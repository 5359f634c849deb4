/**
 * The sensor flow with its outputs: every event of {@link sensorAnomalies} goes to the sinks
 * given for its kind. Sinks are operators (see `src/adapters/to*.ts`), so a test can pass
 * `map(...)` where a program passes PostgreSQL and pickle logs.
 */
import { type Observable, type OperatorFunction, filter, map, pipe } from 'rxjs';
import { fanOut } from '../operators/fanOut.ts';
import type { DeadLetter, Detection, TimedLine, Written } from '../types.ts';
import type { Routed } from './acknowledged.ts';
import { type SensorAnomaliesOptions, type SensorEvent, sensorAnomalies } from './sensorAnomalies.ts';

export type ReadingEvent<In = TimedLine> = Extract<SensorEvent<In>, { kind: 'reading' }>;
type Sink<T> = OperatorFunction<T, Written<unknown>>;

export interface SensorSinks<In = TimedLine> {
  /** The reference log: every input that parsed, with its time. */
  readonly readings?: readonly Sink<ReadingEvent<In>>[];
  readonly detections?: readonly Sink<Detection>[];
  readonly deadLetters?: readonly Sink<DeadLetter>[];
}

/** The sensor flow's outputs per kind of sink, for {@link acknowledged}: see {@link sensorOutput}. */
export interface SensorOutputs<In = TimedLine> {
  readonly readings: ReadingEvent<In>;
  readonly detections: Detection;
  readonly deadLetters: DeadLetter;
}

/** Addresses an event of the sensor flow to the sinks of its kind, for {@link acknowledged}. */
export function sensorOutput<In>(event: SensorEvent<In>): Routed<SensorOutputs<In>> {
  switch (event.kind) {
    case 'reading':
      return { to: 'readings', item: event };
    case 'detection':
      return { to: 'detections', item: event.detection };
    case 'dead-letter':
      return { to: 'deadLetters', item: event.dead };
  }
}

/** Routes each event to the sinks of its kind and merges their reports of what they wrote. */
export function routeSensorEvents<In = TimedLine>(sinks: SensorSinks<In>): OperatorFunction<SensorEvent<In>, Written<unknown>> {
  return fanOut(
    pipe(
      filter((e: SensorEvent<In>): e is ReadingEvent<In> => e.kind === 'reading'),
      fanOut(...(sinks.readings ?? [])),
    ),
    pipe(
      filter((e: SensorEvent<In>) => e.kind === 'detection'),
      map((e) => (e as Extract<SensorEvent, { kind: 'detection' }>).detection),
      fanOut(...(sinks.detections ?? [])),
    ),
    pipe(
      filter((e: SensorEvent<In>) => e.kind === 'dead-letter'),
      map((e) => (e as Extract<SensorEvent, { kind: 'dead-letter' }>).dead),
      fanOut(...(sinks.deadLetters ?? [])),
    ),
  );
}

export function sensorPipeline(
  lines$: Observable<TimedLine>,
  sinks: SensorSinks,
  options: SensorAnomaliesOptions = {},
): Observable<Written<unknown>> {
  return sensorAnomalies(lines$, options).pipe(routeSensorEvents(sinks));
}
