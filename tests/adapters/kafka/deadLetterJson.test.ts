/**
 * A dead letter on Kafka stays under 64 KiB whatever its input, so a dead-letter topic with a
 * small max.message.bytes never refuses one (which would stop the flow), and it keeps the exact
 * bytes it carries with the whole input's length and SHA-256.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_MAX_BYTES, DEAD_LETTER_RAW_BYTES, deadLetterJson } from '../../../src/adapters/kafka/deadLetterJson.ts';
import type { DeadLetter } from '../../../src/types.ts';

const ref = { source: 't'.repeat(249), partition: 0, offset: 2 ** 40 };
const dead = (fields: Partial<DeadLetter>): DeadLetter => ({ stage: 'parse-transaction', reason: 'invalid JSON', raw: '', ref, time: 0, ...fields });

describe('deadLetterJson', () => {
  it.each([
    ['a megabyte of NULs as text', dead({ raw: '\u0000'.repeat(1 << 20) })],
    ['12 KiB of control characters, a long reason of them too', dead({ raw: '\u0001'.repeat(12 * 1024), reason: '\u0002'.repeat(100_000) })],
    ['a megabyte of bytes that are not UTF-8', dead({ raw: '', bytes: Buffer.alloc(1 << 20, 0xff) })],
    ['32 KiB of 3-byte characters', dead({ raw: '€'.repeat(11_000) })],
  ])('stays under 64 KiB: %s', (_, letter) => {
    const json = deadLetterJson(letter);
    const size = Buffer.byteLength(JSON.stringify({ alert_id: `${ref.source}/0/${ref.offset}`, ...json }));
    expect(size).toBeLessThanOrEqual(DEAD_LETTER_MAX_BYTES);
    expect(DEAD_LETTER_MAX_BYTES + 1024).toBeLessThanOrEqual(64 * 1024);
    const whole = letter.bytes ? Buffer.from(letter.bytes) : Buffer.from(letter.raw);
    expect(json.length).toBe(whole.length);
    expect(json.sha256).toBe(createHash('sha256').update(whole).digest('hex'));
    expect(Buffer.from(json.rawBase64, 'base64').equals(whole.subarray(0, DEAD_LETTER_RAW_BYTES))).toBe(true);
  });

  it('gives a small input whole, exactly and as text', () => {
    const json = deadLetterJson(dead({ raw: 'not json \u0000 here' }));
    expect(json).toMatchObject({ raw: 'not json \u0000 here', truncated: false, length: 15 });
    expect(Buffer.from(json.rawBase64, 'base64').toString()).toBe('not json \u0000 here');
  });
});
