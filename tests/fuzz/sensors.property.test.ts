/**
 * Issue 19, the sensor inputs: generated Kafka sensor records (any key, any value bytes, a
 * tombstone) through parseKafkaReading, and generated serial lines, cut into chunks anywhere,
 * through the LineSplitter and parseArduinoLine. Each must end as exactly one reading of the
 * number it spells or one dead letter with its exact bytes and a reason; nothing throws.
 * FUZZ_SEED replays another seed, FUZZ_PATH a failure's path.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FuzzCase, showBytes } from '../../fuzz/arbitraries/fuzzCase.ts';
import { sensorValueCase, serialLineCase } from '../../fuzz/arbitraries/sensors.ts';
import { kafkaKey } from '../../fuzz/arbitraries/transactions.ts';
import { LineSplitter, type SplitLine } from '../../src/adapters/serial/lineSplitter.ts';
import { parseTimedLine } from '../../src/operators/parseArduinoLine.ts';
import { parseSensorRecord } from '../../src/operators/parseKafkaReading.ts';
import type { Parsed, Reading } from '../../src/types.ts';

const seed = Number(process.env['FUZZ_SEED'] ?? 19);
/** fast-check's replay path of a failure (printed beside its seed): straight to the shrunk case. */
const path = process.env['FUZZ_PATH'];
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What is wrong with the parse of `c` (none: all is well). */
function problems(c: FuzzCase, parsed: Parsed<Reading>, exact: Uint8Array, reason: RegExp): string[] {
  const found: string[] = [];
  if (parsed.ok) {
    if (c.expect === 'invalid') found.push(`not a reading, read as ${parsed.value.value}`);
    if (c.reading !== undefined && parsed.value.value !== c.reading) found.push(`read as ${parsed.value.value}, spells ${c.reading}`);
  } else {
    if (c.expect === 'valid') found.push(`a reading became a dead letter: ${parsed.dead.reason}`);
    const bytes = parsed.dead.bytes ?? Buffer.from(parsed.dead.raw);
    if (!Buffer.from(bytes).equals(Buffer.from(exact))) found.push(`the dead letter's bytes differ:\n    ${showBytes(bytes)}`);
    if (!reason.test(parsed.dead.reason)) found.push(`reason ${JSON.stringify(parsed.dead.reason)} does not match ${reason}`);
  }
  return found.map((p) => `${p}\n  ${c.expect} (${c.what}): ${c.tombstone ? 'null' : showBytes(c.bytes)}`);
}

describe('sensor inputs, fuzzed', () => {
  it('Kafka sensor records: one reading of the number the value spells, or one dead letter with the value\'s bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(sensorValueCase, kafkaKey), { minLength: 1, maxLength: 40, size: 'max' }), (records) => {
        const found = records.flatMap(([c, key], offset) => {
          const ref = { source: 'humidite', partition: 0, offset };
          const parsed = parseSensorRecord({ topic: 'humidite', key: key ?? null, value: c.tombstone ? null : c.bytes, timestamp: 1_700_000_000_000, ref });
          return problems(c, parsed, c.bytes, new RegExp(`\\(topic=humidite partition=0 offset=${offset}\\)$`));
        });
        if (found.length > 0) throw new Error(found.join('\n'));
      }),
      { seed, numRuns: 60, ...(path && { path }) },
    );
  });

  it('serial lines, cut into chunks anywhere: each line once, as a reading or a dead letter with its bytes', () => {
    fc.assert(
      fc.property(fc.array(serialLineCase, { minLength: 1, maxLength: 40, size: 'max' }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }), (lines, cuts) => {
        const stream = Buffer.concat(lines.flatMap((l) => [l.bytes, Buffer.from('\n')]));
        const splitter = new LineSplitter(4096);
        const split: SplitLine[] = [];
        for (let at = 0, i = 0; at < stream.length; i++) {
          const size = cuts[i % cuts.length]!;
          split.push(...splitter.push(stream.subarray(at, at + size)));
          at += size;
        }
        expect(split.map((s) => s.bytes.toString('hex'))).toEqual(lines.map((l) => l.bytes.toString('hex')));
        const found = lines.flatMap((c, offset) => {
          const bytes = split[offset]!.bytes;
          const ref = { source: '/dev/ttyACM0', partition: 0, offset };
          let line: { line: string; bytes?: Uint8Array };
          try {
            line = { line: strict.decode(bytes) };
          } catch {
            line = { line: bytes.toString('utf8'), bytes };
          }
          return problems(c, parseTimedLine({ ...line, time: 0, ref }), bytes, /\S/);
        });
        if (found.length > 0) throw new Error(found.join('\n'));
      }),
      { seed, numRuns: 60, ...(path && { path }) },
    );
  });
});
