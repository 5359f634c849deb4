import { type OperatorFunction, map } from 'rxjs';
import type { Parsed, Reading, TimedLine } from '../types.ts';

/** The stage name dead letters of this operator carry. */
export const PARSE_ARDUINO_LINE = 'parse-arduino-line';

// A plain decimal number, as an Arduino prints one: no hex, no `Infinity`, no empty string
// (which `Number('')` would happily turn into 0).
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses the Arduino's `topic!value` lines into readings; a line that is not one becomes a dead
 * letter with the reason and the raw line, never a wrong reading.
 *
 * The topic is everything before the **last** `!` (so a topic may itself contain `!`), the value
 * everything after it. A trailing `\r` is ignored. Rejected: no `!`, an empty topic, a value that
 * is not a finite decimal number.
 *
 * ```
 * source:  -a-----b-----c--|
 *          parseArduinoLine()
 * output:  -A-----B-----C--|
 *
 * a = 'humidite!45.2'     A = { ok: true, value: { topic: 'humidite', value: 45.2, ... } }
 * b = 'a!b!7'             B = { ok: true, value: { topic: 'a!b', value: 7, ... } }
 * c = 'humidite 45.2'     C = { ok: false, dead: { reason: 'no "!" separating topic and value', ... } }
 * ```
 *
 * @example
 * lines$.pipe(parseArduinoLine(), filter((p) => p.ok), map((p) => p.value))
 *
 * @return An Observable of one {@link Parsed} reading per line, keeping the line's time and source.
 */
export function parseArduinoLine(): OperatorFunction<TimedLine, Parsed<Reading>> {
  return map(parseLine);
}

/** The same parse, for one line. */
export function parseLine({ line, time, ref }: TimedLine): Parsed<Reading> {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const bang = text.lastIndexOf('!');
  const reject = (reason: string): Parsed<Reading> => ({
    ok: false,
    dead: { stage: PARSE_ARDUINO_LINE, reason, raw: line, ref, time },
  });
  if (bang < 0) return reject('no "!" separating topic and value');
  const topic = text.slice(0, bang).trim();
  if (topic === '') return reject('empty topic before "!"');
  const raw = text.slice(bang + 1).trim();
  if (!DECIMAL.test(raw)) return reject(`value ${JSON.stringify(raw)} is not a decimal number`);
  const value = Number(raw);
  if (!Number.isFinite(value)) return reject(`value ${JSON.stringify(raw)} is not finite`);
  return { ok: true, value: { topic, value, time, ref } };
}
