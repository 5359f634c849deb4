/**
 * A generated record and what must become of it. Generators know what they made, so the
 * properties need no copy of vigie's schema: `valid` must be judged, `invalid` must be a dead
 * letter, `either` may be either (a form the issue leaves open), but never both, never neither.
 */
import fc from 'fast-check';

export type Expect = 'valid' | 'invalid' | 'either';

export interface FuzzCase {
  /** The record's value, exactly as produced. */
  readonly bytes: Buffer;
  readonly expect: Expect;
  /** How it was made, e.g. `amount: 1e308` or `timestamp: 2026-02-30 10:00:00`. */
  readonly what: string;
  /** For a valid transaction: what the amount rule needs to say whether it must be a row. */
  readonly amount?: { readonly value: number; readonly currency: string };
  /** For a valid sensor reading: the number it spells. */
  readonly reading?: number;
  /** Produced with no value at all (a tombstone); `bytes` is then empty, as vigie reads it. */
  readonly tombstone?: boolean;
  /** The Kafka key and headers to produce it with (none when absent). */
  readonly key?: Buffer;
  readonly headers?: Readonly<Record<string, Buffer>>;
}

/** The bytes as JSON-escaped text (invalid UTF-8 shown as U+FFFD) and as hex, cut after `max` bytes. */
export function showBytes(bytes: Uint8Array, max = 400): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const head = buffer.subarray(0, max);
  const more = buffer.length > max ? ` … (${buffer.length} bytes in all)` : '';
  return `${JSON.stringify(head.toString('utf8'))}${more}\n    hex: ${head.toString('hex')}${more}`;
}

/** The case as fast-check prints a counterexample: readable, with its exact bytes. */
export function fuzzCase(c: FuzzCase): FuzzCase {
  return Object.assign(c, {
    [fc.toStringMethod]: () => `${c.expect} (${c.what}):\n    text: ${showBytes(c.bytes)}${c.key ? `\n    key: ${showBytes(c.key, 80)}` : ''}`,
  });
}
