/**
 * A virtual Arduino: the lines a real board prints (`topic!value`), for several sensors, with
 * realistic noise, slow daily-like drift and injected anomalies; deterministic for a seed, so a
 * run can be replayed and a test can know what to expect.
 */
import { type Observable, type SchedulerLike, asyncScheduler, interval, map } from 'rxjs';
import { seededRandom } from '../random.ts';
import type { TimedLine } from '../types.ts';

export interface SimulatedSensor {
  /** The Kafka topic the bridge will send it to, e.g. `humidite`. */
  readonly topic: string;
  readonly base: number;
  /** Amplitude of the slow sine drift. */
  readonly amplitude: number;
  /** Period of that drift, in seconds. */
  readonly periodS: number;
  /** Standard deviation of the measurement noise. */
  readonly noise: number;
  /** How many decimals the board prints (Arduino's `Serial.println(float)` prints 2). */
  readonly decimals: number;
}

export const defaultSensors: readonly SimulatedSensor[] = [
  { topic: 'humidite', base: 55, amplitude: 5, periodS: 600, noise: 0.1, decimals: 2 },
  { topic: 'temperature', base: 24, amplitude: 2, periodS: 900, noise: 0.08, decimals: 2 },
];

export interface SimulatedArduinoOptions {
  readonly sensors?: readonly SimulatedSensor[];
  /** Lines per second, all sensors together, taken in turn. */
  readonly rate?: number;
  readonly seed?: number;
  /** Probability that a reading is a spike. */
  readonly anomalyRate?: number;
  /** A spike moves the value by this many units of its sensor's amplitude (sign at random). */
  readonly anomalyMagnitude?: number;
  /** Names the run in the records' source; two runs must not share one. */
  readonly source?: string;
  readonly scheduler?: SchedulerLike;
}

/** The line exactly as the board sends it on the wire, `\r\n` included. */
export const toSerialBytes = (line: string): Buffer => Buffer.from(`${line}\r\n`, 'utf8');

/** An endless Observable of lines, one every `1000 / rate` ms, stamped with the scheduler's clock. */
export function simulatedArduino({
  sensors = defaultSensors,
  rate = 10,
  seed = 1,
  anomalyRate = 0.01,
  anomalyMagnitude = 0.6,
  source = `simulator:arduino:${new Date().toISOString()}`,
  scheduler = asyncScheduler,
}: SimulatedArduinoOptions = {}): Observable<TimedLine> {
  if (sensors.length === 0) throw new RangeError('simulatedArduino: at least one sensor is needed');
  if (!(rate > 0 && Number.isFinite(rate))) throw new RangeError(`simulatedArduino: rate must be > 0 lines/s, got ${rate}`);
  if (!(anomalyRate >= 0 && anomalyRate <= 1)) {
    throw new RangeError(`simulatedArduino: anomalyRate must be within [0, 1], got ${anomalyRate}`);
  }
  const line = arduinoLines({ sensors, seed, anomalyRate, anomalyMagnitude });
  return interval(1000 / rate, scheduler).pipe(
    map((offset) => {
      const time = scheduler.now();
      return { line: line(offset, time), time, ref: { source, partition: 0, offset } };
    }),
  );
}

/** The pure part: line number `n` at `time` (ms). Exposed for the serial simulator of the bridge. */
export function arduinoLines({
  sensors,
  seed,
  anomalyRate,
  anomalyMagnitude,
}: Required<Pick<SimulatedArduinoOptions, 'sensors' | 'seed' | 'anomalyRate' | 'anomalyMagnitude'>>): (
  n: number,
  time: number,
) => string {
  const random = seededRandom(seed);
  return (n, time) => {
    const sensor = sensors[n % sensors.length] as SimulatedSensor;
    const drift = sensor.amplitude * Math.sin((2 * Math.PI * time) / 1000 / sensor.periodS);
    const noise = sensor.noise * random.normal();
    const spike = random.next() < anomalyRate ? (random.next() < 0.5 ? -1 : 1) * anomalyMagnitude * sensor.amplitude : 0;
    return `${sensor.topic}!${(sensor.base + drift + noise + spike).toFixed(sensor.decimals)}`;
  };
}
