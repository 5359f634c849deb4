import { type OperatorFunction, map } from 'rxjs';
import type { Parsed, Reading, TimedLine } from '../types.ts';
import { parseSensorValue } from './sensorValue.ts';

/** The stage name dead letters of this operator carry. */
export const PARSE_ARDUINO_LINE = 'parse-arduino-line';

// Kafka's rule for topic names (`Topic.validate`): a name it refuses would fail the whole batch
// the reading is sent in, and a serial line cannot be read again.
const TOPIC = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC = 249;

/**
 * Parses the Arduino's `topic!value` lines into readings; a line that is not one becomes a dead
 * letter with the reason and the raw line, never a wrong reading.
 *
 * The topic is everything before the **last** `!`, the value everything after it. A trailing `\r`
 * is ignored. Rejected: no `!`, an empty topic, a topic Kafka would refuse (a character outside
 * `a-z A-Z 0-9 . _ -`, more than 249 characters, `.` or `..`), a value that is not a finite
 * decimal number ({@link parseSensorValue}).
 *
 * ```
 * source:  -a-----b-----c--|
 *          parseArduinoLine()
 * output:  -A-----B-----C--|
 *
 * a = 'humidite!45.2'     A = { ok: true, value: { topic: 'humidite', value: 45.2, ... } }
 * b = 'a.b_c-d!7'         B = { ok: true, value: { topic: 'a.b_c-d', value: 7, ... } }
 * c = 'humidite 45.2'     C = { ok: false, dead: { reason: 'no "!" separating topic and value', ... } }
 * ```
 *
 * @example
 * lines$.pipe(parseArduinoLine(), filter((p) => p.ok), map((p) => p.value))
 *
 * @return An Observable of one {@link Parsed} reading per line, keeping the line's time and source.
 */
export function parseArduinoLine(): OperatorFunction<TimedLine, Parsed<Reading>> {
  return map(parseTimedLine);
}

/** The same parse, for one line. */
export function parseTimedLine({ line, time, ref, bytes }: TimedLine): Parsed<Reading> {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const bang = text.lastIndexOf('!');
  const reject = (reason: string): Parsed<Reading> => ({
    ok: false,
    dead: { stage: PARSE_ARDUINO_LINE, reason, raw: line, ...(bytes && { bytes }), ref, time },
  });
  if (bytes) return reject('not valid UTF-8');
  if (bang < 0) return reject('no "!" separating topic and value');
  const topic = text.slice(0, bang).trim();
  if (topic === '') return reject('empty topic before "!"');
  const bad = topicProblem(topic);
  if (bad) return reject(bad);
  const value = parseSensorValue(text.slice(bang + 1));
  if (!value.ok) return reject(value.reason);
  return { ok: true, value: { topic, value: value.value, time, ref } };
}

/** Why Kafka would refuse `topic` as a topic name, or null. */
function topicProblem(topic: string): string | null {
  if (topic.length > MAX_TOPIC) return `topic of ${topic.length} characters is longer than Kafka allows (${MAX_TOPIC})`;
  if (!TOPIC.test(topic)) return `topic ${JSON.stringify(topic)} has a character Kafka does not allow (only a-z A-Z 0-9 . _ -)`;
  if (topic === '.' || topic === '..') return `topic ${JSON.stringify(topic)} is not allowed by Kafka`;
  return null;
}
