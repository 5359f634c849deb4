/**
 * A dead letter as the JSON of a Kafka record, small enough for any dead-letter topic whose
 * `max.message.bytes` allows {@link DEAD_LETTER_MAX_BYTES}: a poison message near the input
 * topic's own limit must not become a dead letter its topic refuses, which would stop the flow.
 *
 * The input is cut to its first {@link DEAD_LETTER_RAW_BYTES} bytes, given exactly (`rawBase64`)
 * and as text for people (`raw`, invalid UTF-8 shown as U+FFFD), with the whole input's `length`
 * and `sha256` to find it again: the whole of it stays in PostgreSQL (`dead_letters.raw_bytes`).
 */
import { createHash } from 'node:crypto';
import { rawBytes } from '../postgres/tables.ts';
import type { DeadLetter } from '../../types.ts';

/** 64 KiB of input at most in a dead-letter record. */
export const DEAD_LETTER_RAW_BYTES = 64 * 1024;

/** What a dead-letter record can weigh at worst: the raw text JSON-escaped (6 bytes a control byte), its base64, 4 KiB for the rest. */
export const DEAD_LETTER_MAX_BYTES = 6 * DEAD_LETTER_RAW_BYTES + Math.ceil(DEAD_LETTER_RAW_BYTES / 3) * 4 + 4096;

/** Reasons are short in practice; a longer one is cut, so the bound above holds. */
const REASON_CHARS = 1024;

const lossy = new TextDecoder('utf-8');

/** JSON-ready (for a dead-letter log too, where a Buffer would become an array of numbers). */
export function deadLetterJson(dead: DeadLetter) {
  const bytes = rawBytes(dead);
  const cut = bytes.subarray(0, DEAD_LETTER_RAW_BYTES);
  const truncated = cut.length < bytes.length;
  return {
    stage: dead.stage,
    reason: dead.reason.length > REASON_CHARS ? `${dead.reason.slice(0, REASON_CHARS)}...` : dead.reason,
    raw: truncated || dead.bytes !== undefined ? lossy.decode(cut) : dead.raw,
    rawBase64: cut.toString('base64'),
    length: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    truncated,
    source: dead.ref,
    time: dead.time,
  };
}
