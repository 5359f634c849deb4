/**
 * The Arduino-to-Kafka bridge as a flow: what the prototype's producer did, minus its defects.
 * Each serial line is parsed; a reading goes to the Kafka topic named by its prefix and to the
 * reference log; a line that is not a reading (no `!`, a topic Kafka refuses, not a number, not
 * UTF-8, longer than the reader keeps) becomes a dead letter with its reason and exact bytes,
 * instead of a wrong topic or a crash, and the stream goes on.
 *
 * It knows no Kafka, file or port: the sinks are operators passed in (each emits a report after
 * its durable write), so a marble test can hand it fake ones.
 *
 * ```
 * serial:  -o-a-b-x-|            o = status open, a, b = readings, x = 'humidite 45' (no "!")
 *          bridge(serial$, { send, log, sendDead, logDead })
 * output:  -o-(SL)(SL)(DE)-|     S = sent, L = logged, D = dead letter sent, E = dead letter logged
 * ```
 */
import { type Observable, type OperatorFunction, filter, map, pipe } from 'rxjs';
import type { SerialEvent, SerialLineEvent, SerialStatusEvent } from '../adapters/serial/fromSerialPort.ts';
import { fanOut } from '../operators/fanOut.ts';
import { parseTimedLine } from '../operators/parseArduinoLine.ts';
import type { DeadLetter, Reading, TimedLine, Written } from '../types.ts';

/** The stage of dead letters for lines that are not valid UTF-8. */
export const DECODE_SERIAL_LINE = 'decode-serial-line';

/** The stage of dead letters for lines longer than the reader's limit. */
export const READ_SERIAL_LINE = 'read-serial-line';

/** A good line: the reading, the line it came from, and the value exactly as the device printed it. */
export interface BridgedReading {
  readonly reading: Reading;
  readonly line: TimedLine;
  /** The text after the last `!`, trimmed: what goes to Kafka, so `45.20` stays `45.20`. */
  readonly valueText: string;
}

/** A dead letter with what a person needs to find the fault: the bytes and the device. */
export interface SerialDeadLetter extends DeadLetter {
  readonly rawHex: string;
  readonly path: string;
}

export interface BridgeSinks {
  /** To Kafka (topic = reading's topic); reports after the broker acknowledged. */
  readonly send: OperatorFunction<BridgedReading, Written<BridgedReading>>;
  /** To the reference log of `(line, unix_time)`. */
  readonly log: OperatorFunction<BridgedReading, Written<BridgedReading>>;
  /** To the dead-letter topic. */
  readonly sendDead: OperatorFunction<SerialDeadLetter, Written<SerialDeadLetter>>;
  /** To the dead-letter file. */
  readonly logDead: OperatorFunction<SerialDeadLetter, Written<SerialDeadLetter>>;
}

export type BridgeEvent =
  | SerialStatusEvent
  | { readonly kind: 'sent' | 'logged'; readonly written: Written<BridgedReading> }
  | { readonly kind: 'dead-sent' | 'dead-logged'; readonly written: Written<SerialDeadLetter> };

type JudgedLine = { readonly ok: true; readonly value: BridgedReading } | { readonly ok: false; readonly dead: SerialDeadLetter };

/** One line, judged: a reading to bridge or a dead letter. */
export function judgeLine({ line, utf8, rawHex, tooLong }: SerialLineEvent): JudgedLine {
  const path = line.ref.source.replace(/^serial:/, '');
  const dead = (stage: string, reason: string): JudgedLine => ({
    ok: false,
    dead: { stage, reason, raw: line.line, ref: line.ref, time: line.time, rawHex, path },
  });
  if (tooLong) {
    const { length, limit } = tooLong;
    return dead(READ_SERIAL_LINE, `line of ${length} bytes is longer than the limit of ${limit} bytes (--max-line-bytes); its first ${limit} kept`);
  }
  if (!utf8) return dead(DECODE_SERIAL_LINE, 'not valid UTF-8');
  const parsed = parseTimedLine(line);
  if (!parsed.ok) return dead(parsed.dead.stage, parsed.dead.reason);
  const text = line.line.endsWith('\r') ? line.line.slice(0, -1) : line.line;
  return { ok: true, value: { reading: parsed.value, line, valueText: text.slice(text.lastIndexOf('!') + 1).trim() } };
}

/**
 * Bridges serial events to the sinks and reports every write; status events pass through.
 * Completes when the source has completed and every sink has flushed.
 */
export function bridge(serial$: Observable<SerialEvent>, sinks: BridgeSinks): Observable<BridgeEvent> {
  // fanOut, not `connect`: `connect` never stops a synchronous source
  return serial$.pipe(
    fanOut<SerialEvent, BridgeEvent>(
      filter((e): e is SerialStatusEvent => e.kind === 'status'),
      pipe(
        filter((e): e is SerialLineEvent => e.kind === 'line'),
        map(judgeLine),
        fanOut<JudgedLine, BridgeEvent>(
          pipe(
            filter((j) => j.ok),
            map((j) => j.value),
            fanOut<BridgedReading, BridgeEvent>(
              (s) => s.pipe(sinks.send, map((written) => ({ kind: 'sent' as const, written }))),
              (s) => s.pipe(sinks.log, map((written) => ({ kind: 'logged' as const, written }))),
            ),
          ),
          pipe(
            filter((j) => !j.ok),
            map((j) => j.dead),
            fanOut<SerialDeadLetter, BridgeEvent>(
              (s) => s.pipe(sinks.sendDead, map((written) => ({ kind: 'dead-sent' as const, written }))),
              (s) => s.pipe(sinks.logDead, map((written) => ({ kind: 'dead-logged' as const, written }))),
            ),
          ),
        ),
      ),
    ),
  );
}

/** The dead-letter record, as written to the dead-letter topic and file. */
export function deadLetterRecord({ reason, raw, rawHex, path, time }: SerialDeadLetter): Record<string, unknown> {
  return { reason, raw, rawHex, path, time };
}
