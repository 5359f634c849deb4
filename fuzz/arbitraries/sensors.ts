/**
 * Sensor readings as Kafka records (src/operators/parseKafkaReading.ts: the topic is the sensor,
 * the whole value a decimal number) and as the Arduino's serial lines `topic!value`
 * (parseArduinoLine.ts), from their grammars and mutated. `expect` says what must become of each:
 * a reading, a dead letter, or either (a form the grammar leaves open).
 */
import fc from 'fast-check';
import { type Expect, type FuzzCase, fuzzCase } from './fuzzCase.ts';
import { hugeLength } from './edges.ts';

/** A draft of a case: its bytes (null: a tombstone), and for a valid one the number it spells. */
interface SensorDraft {
  readonly bytes: Buffer | null;
  readonly expect: Expect;
  readonly what: string;
  readonly value?: number;
}

const toCase = (d: SensorDraft): FuzzCase =>
  fuzzCase({ bytes: d.bytes ?? Buffer.alloc(0), expect: d.expect, what: d.what, ...(d.bytes === null && { tombstone: true }), ...(d.value !== undefined && { reading: d.value }) });

/** A finite number written as a device or a program would: plain, exponent, fixed, signed, padded. */
const decimal: fc.Arbitrary<{ text: string; value: number }> = fc
  .tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 5 }), fc.constantFrom('', ' ', '\t', '  '))
  .map(([n, how, pad]) => {
    const text = how === 0 ? String(n) : how === 1 ? n.toExponential() : how === 2 ? n.toFixed(Math.abs(n) < 1e21 ? 3 : 0) : how === 3 ? (n >= 0 ? `+${n}` : String(n)) : how === 4 ? String(n).toUpperCase() : String(n);
    return { text: `${pad}${text}${pad}`, value: Number(text) };
  })
  .filter(({ text }) => !/e\+?\d{4}/i.test(text));

const valid: fc.Arbitrary<SensorDraft> = decimal.map(({ text, value }) => ({ bytes: Buffer.from(text), expect: 'valid', what: 'a decimal number', value }));

/** Values that are not one number, and what must become of them. */
const VALUE_EDGES: Record<string, Expect> = {
  '': 'invalid', ' ': 'invalid', NaN: 'invalid', Infinity: 'invalid', '-Infinity': 'invalid', '1e999': 'invalid', '-1e999': 'invalid',
  '0x10': 'invalid', '1,5': 'invalid', '12!5': 'invalid', '1 2': 'invalid', '--1': 'invalid', '1e': 'invalid', e5: 'invalid', '.': 'invalid',
  '1\u00005': 'invalid', '\u00001': 'invalid', 'null': 'invalid', 'true': 'invalid', '"45"': 'invalid', '{"value":45}': 'invalid', '٤٥': 'invalid',
  '.5': 'valid', '5.': 'valid', '-0': 'valid', '+0': 'valid', '0.000': 'valid', '1E5': 'valid', '1e-5': 'valid', '5e-324': 'valid', '1.7976931348623157e308': 'valid',
  '\uFEFF45': 'either', '45\r': 'either', '45\n': 'either', '\u00a045': 'either',
};

export const sensorValueCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 3, arbitrary: valid },
  fc.constantFrom(...Object.entries(VALUE_EDGES)).map(([text, expect]) => ({ bytes: Buffer.from(text), expect, what: `value ${JSON.stringify(text)}`, ...(expect === 'valid' && { value: Number(text) }) })),
  fc.tuple(decimal, fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0x80])).map(([d, bad]) => ({ bytes: Buffer.concat([Buffer.from(d.text), Buffer.from(bad)]), expect: 'invalid' as const, what: 'a number, then bytes that are not UTF-8' })),
  fc.uint8Array({ maxLength: 32 }).filter((b) => !/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(Buffer.from(b).toString('latin1'))).map((b) => ({ bytes: Buffer.from(b), expect: 'invalid' as const, what: 'random bytes' })),
  hugeLength.filter((n) => n > 310).map((n) => ({ bytes: Buffer.alloc(n, '9'), expect: 'invalid' as const, what: `${n} nines (not finite)` })),
  hugeLength.filter((n) => n > 330).map((n) => ({ bytes: Buffer.from(`0.${'0'.repeat(n)}1`), expect: 'valid' as const, what: `a decimal of ${n} zeros`, value: 0 })),
  fc.constant({ bytes: null, expect: 'invalid' as const, what: 'no value (a tombstone)' }),
).map(toCase);

const TOPIC_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-';
/** A topic Kafka accepts: 1 to 249 of `a-z A-Z 0-9 . _ -`, never `.` or `..`. */
const topic = fc.string({ unit: fc.constantFrom(...TOPIC_CHARS), minLength: 1, maxLength: 40 }).filter((t) => t !== '.' && t !== '..');

/** A serial line (without its `\n`), from the grammar `topic!value` and broken. */
export const serialLineCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(topic, decimal, fc.boolean()).map(([t, d, cr]) => ({ bytes: Buffer.from(`${t}!${d.text}${cr ? '\r' : ''}`), expect: 'valid' as const, what: 'topic!value', value: d.value })) },
  fc.tuple(topic, fc.constantFrom(...Object.entries(VALUE_EDGES))).filter(([, [v]]) => !v.includes('\n')).map(([t, [v, expect]]) => ({ bytes: Buffer.from(`${t}!${v}`), expect, what: `value ${JSON.stringify(v)}`, ...(expect === 'valid' && { value: Number(v) }) })),
  fc.tuple(topic, decimal).map(([t, d]) => ({ bytes: Buffer.from(`${t} ${d.text}`), expect: 'invalid' as const, what: 'no "!"' })),
  decimal.map((d) => ({ bytes: Buffer.from(`!${d.text}`), expect: 'invalid' as const, what: 'empty topic' })),
  fc.tuple(topic, fc.constantFrom(' ', '/', '!', 'é', '\u0000', '#', ':'), topic, decimal).map(([a, c, b, d]) => ({ bytes: Buffer.from(`${a}${c}${b}x!${d.text}`), expect: 'invalid' as const, what: `topic with ${JSON.stringify(c)}` })),
  fc.tuple(fc.integer({ min: 249, max: 251 }), decimal).map(([n, d]) => ({ bytes: Buffer.from(`${'t'.repeat(n)}!${d.text}`), expect: n <= 249 ? ('valid' as const) : ('invalid' as const), what: `topic of ${n} characters`, ...(n <= 249 && { value: d.value }) })),
  fc.constantFrom('.', '..').map((t) => ({ bytes: Buffer.from(`${t}!1`), expect: 'invalid' as const, what: `topic ${t}` })),
  fc.tuple(topic, decimal, fc.constantFrom([0xff], [0xc3], [0x80])).map(([t, d, bad]) => ({ bytes: Buffer.concat([Buffer.from(`${t}!${d.text}`), Buffer.from(bad)]), expect: 'invalid' as const, what: 'bytes that are not UTF-8' })),
).map(toCase);
