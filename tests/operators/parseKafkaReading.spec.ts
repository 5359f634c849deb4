/**
 * Issue 11, finding 4: a sensor record's value is the reading itself, under the serial value's
 * rule; `!` in it is not a separator but a bad value, and bytes that are not UTF-8 are kept exact.
 */
import { describe, expect, it } from 'vitest';
import { PARSE_KAFKA_READING, type SensorRecord, parseKafkaReading, parseSensorRecord } from '../../src/operators/parseKafkaReading.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

const record = (value: string | Buffer | null, offset = 0, options: { partition?: number; key?: string | Buffer } = {}): SensorRecord => ({
  topic: 'humidite',
  key: options.key === undefined ? null : Buffer.from(options.key),
  value: typeof value === 'string' ? Buffer.from(value) : value,
  timestamp: 1_000 + offset,
  ref: { source: 'humidite', partition: options.partition ?? 0, offset },
});
const ok = (r: SensorRecord, value: number, key?: string) =>
  ({ ok: true, value: { topic: r.topic, value, time: r.timestamp, ref: r.ref, ...(key !== undefined && { key }) } }) as const;
const dead = (r: SensorRecord, reason: string, raw: string) => ({
  ok: false,
  dead: { stage: PARSE_KAFKA_READING, reason: `${reason} (topic=humidite partition=${r.ref.partition} offset=${r.ref.offset})`, raw, bytes: r.value ?? new Uint8Array(0), ref: r.ref, time: r.timestamp },
}) as const;

describe('parseKafkaReading', () => {
  const a = record('45.2', 7);
  const b = record('12!5', 8);
  const c = record('46', 3, { partition: 1, key: 's1' });

  it('parses values into readings of the record\'s topic and turns bad ones into dead letters, in order', marbles((m) => {
    const source = m.cold('-a-----b-----c--|', { a, b, c });
    const expected = /*  */ '-A-----B-----C--|';
    m.expect(source.pipe(parseKafkaReading())).toBeObservable(expected, {
      A: ok(a, 45.2),
      B: dead(b, 'value "12!5" is not a decimal number', '12!5'),
      C: ok(c, 46, 's1'),
    });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-a-#', { a }).pipe(parseKafkaReading())).toBeObservable('-A-#', { A: ok(a, 45.2) });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-a-a-a-|', { a });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(parseKafkaReading()), subs).toBeObservable('-A--', { A: ok(a, 45.2) });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops a synchronous endless source once the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(parseKafkaReading(), (i) => record(String(i), i), 3);
    expect(outputs.map((p) => p.ok && p.value.value)).toEqual([0, 1, 2]);
    expect(produced).toBe(3);
  });

  it.each([
    ['45.2', 45.2],
    ['-3', -3],
    ['1e3', 1000],
    [' 12.5\r\n', 12.5],
    ['.5', 0.5],
  ])('reads %j as %j, as a serial line\'s value would be', (value, expected) => {
    const r = record(value);
    expect(parseSensorRecord(r)).toStrictEqual(ok(r, expected));
  });

  it.each([
    ['12!5', 'value "12!5" is not a decimal number'],
    ['humidite!45', 'value "humidite!45" is not a decimal number'],
    ['', 'value "" is not a decimal number'],
    ['0x1F', 'value "0x1F" is not a decimal number'],
    ['Infinity', 'value "Infinity" is not a decimal number'],
    ['1e999', 'value "1e999" is not finite'],
  ])('dead-letters %j: %s, naming the record', (value, reason) => {
    const r = record(value, 4);
    expect(parseSensorRecord(r)).toStrictEqual(dead(r, reason, value));
  });

  it('dead-letters bytes that are not UTF-8, keeping them exact, even when their text would parse', () => {
    const r = record(Buffer.from([0x35, 0x30, 0xff]), 1); // "50" then a byte no UTF-8 text holds
    expect(parseSensorRecord(r)).toStrictEqual(dead(r, 'not valid UTF-8', '50\ufffd'));
  });

  it('dead-letters a record with no value (a tombstone)', () => {
    const r = record(null, 2);
    expect(parseSensorRecord(r)).toStrictEqual(dead(r, 'no value (a tombstone)', ''));
  });

  it('keeps any key exact, text or not, so that two keys are never one series', () => {
    const keys = [Buffer.from([0xff]), Buffer.from([0xfe]), Buffer.from('s1'), Buffer.from('')];
    const read = keys.map((key) => parseSensorRecord(record('1', 0, { key }))).map((p) => (p.ok ? p.value.key : 'dead'));
    expect(new Set(read).size).toBe(keys.length);
    expect(read[2]).toBe('s1');
  });
});
