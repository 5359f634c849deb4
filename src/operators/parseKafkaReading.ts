import { type OperatorFunction, map } from 'rxjs';
import type { Parsed, Reading, SourceRef } from '../types.ts';
import { parseSensorValue } from './sensorValue.ts';

/** The stage name dead letters of this operator carry. */
export const PARSE_KAFKA_READING = 'parse-kafka-reading';

/** Bytes that are not UTF-8 are refused, never turned into U+FFFD. */
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** For the readable form of a dead letter only: its exact bytes travel beside it. */
const lossy = new TextDecoder('utf-8', { ignoreBOM: true });

/** A sensor record as Kafka holds it (a `KafkaRecord` is one): the topic names the sensor, the value is the reading. */
export interface SensorRecord {
  readonly topic: string;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** Epoch ms, as the producer or the broker set it: the reading's time. */
  readonly timestamp: number;
  readonly ref: SourceRef;
}

/**
 * Parses sensor records: the topic is the sensor, the whole value (strict UTF-8) is the number,
 * under the same rule as a serial line's value ({@link parseSensorValue}). Anything else (no
 * value, bytes that are not UTF-8, text that is not a finite decimal number, `!` included)
 * becomes a dead letter with the value's exact bytes and a reason naming the record.
 *
 * ```
 * source:  -a-----b-----c--|
 *          parseKafkaReading()
 * output:  -A-----B-----C--|
 *
 * a = humidite/0/7 '45.2'     A = { ok: true, value: { topic: 'humidite', value: 45.2, ... } }
 * b = humidite/0/8 '12!5'     B = { ok: false, dead: { reason: 'value "12!5" is not a decimal number (topic=humidite partition=0 offset=8)', bytes: <31 32 21 35>, ... } }
 * c = humidite/1/3 '46', key 's1'
 *                             C = { ok: true, value: { topic: 'humidite', value: 46, key: 's1', ... } }
 * ```
 *
 * @example
 * records$.pipe(parseKafkaReading(), filter((p) => p.ok), map((p) => p.value))
 *
 * @return An Observable of one {@link Parsed} reading per record, timed by the record's timestamp.
 */
export function parseKafkaReading(): OperatorFunction<SensorRecord, Parsed<Reading>> {
  return map(parseSensorRecord);
}

/** The same parse, for one record. */
export function parseSensorRecord({ topic, key, value, timestamp: time, ref }: SensorRecord): Parsed<Reading> {
  const bytes = value ?? new Uint8Array(0);
  const reject = (reason: string): Parsed<Reading> => ({
    ok: false,
    dead: {
      stage: PARSE_KAFKA_READING,
      reason: `${reason} (topic=${ref.source} partition=${ref.partition} offset=${ref.offset})`,
      raw: lossy.decode(bytes),
      bytes,
      ref,
      time,
    },
  });
  if (value === null) return reject('no value (a tombstone)');
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    return reject('not valid UTF-8');
  }
  const parsed = parseSensorValue(text);
  if (!parsed.ok) return reject(parsed.reason);
  const reading = { topic, value: parsed.value, time, ref };
  return { ok: true, value: key === null ? reading : { ...reading, key: Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1') } };
}
