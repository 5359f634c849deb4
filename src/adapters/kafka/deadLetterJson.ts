/**
 * A dead letter as the JSON of a Kafka record, under {@link DEAD_LETTER_MAX_BYTES} whatever its
 * input: a poison message near the input topic's own limit must not become a dead letter its
 * topic refuses, which would stop the flow. Any dead-letter topic whose `max.message.bytes`
 * allows 64 KiB takes every dead letter.
 *
 * The input's first {@link DEAD_LETTER_RAW_BYTES} bytes are given exactly (`rawBase64`), with the
 * whole input's `length` and `sha256` and whether it was `truncated`; the whole of it stays in
 * PostgreSQL (`dead_letters.raw_bytes`). `raw`, the input as text for people (invalid UTF-8
 * shown as U+FFFD), comes too when the input is whole and its JSON takes at most
 * {@link DEAD_LETTER_TEXT_BYTES}.
 */
import { createHash } from 'node:crypto';
import { rawBytes } from '../postgres/tables.ts';
import type { DeadLetter } from '../../types.ts';

/** 32 KiB of input at most in a dead-letter record, as base64 (43 692 bytes). */
export const DEAD_LETTER_RAW_BYTES = 32 * 1024;

/** The readable text, JSON-escaped, when it is at most this long (a NUL takes 6 bytes escaped). */
export const DEAD_LETTER_TEXT_BYTES = 12 * 1024;

/** Reasons are short in practice; a longer one is cut, so the bound below holds. */
const REASON_CHARS = 512;

/** What a dead-letter record can weigh at worst: base64, text, a reason of control characters escaped, 1 KiB for the rest (two topic names). */
export const DEAD_LETTER_MAX_BYTES = Math.ceil(DEAD_LETTER_RAW_BYTES / 3) * 4 + DEAD_LETTER_TEXT_BYTES + 6 * REASON_CHARS + 1024;

const lossy = new TextDecoder('utf-8');

/** JSON-ready (for a dead-letter log too, where a Buffer would become an array of numbers). */
export function deadLetterJson(dead: DeadLetter) {
  const bytes = rawBytes(dead);
  const cut = bytes.subarray(0, DEAD_LETTER_RAW_BYTES);
  const truncated = cut.length < bytes.length;
  const text = truncated ? undefined : dead.bytes === undefined ? dead.raw : lossy.decode(bytes);
  const readable = text !== undefined && Buffer.byteLength(JSON.stringify(text)) <= DEAD_LETTER_TEXT_BYTES;
  return {
    stage: dead.stage,
    reason: dead.reason.length > REASON_CHARS ? `${dead.reason.slice(0, REASON_CHARS)}...` : dead.reason,
    ...(readable && { raw: text }),
    rawBase64: cut.toString('base64'),
    length: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    truncated,
    source: dead.ref,
    time: dead.time,
  };
}
