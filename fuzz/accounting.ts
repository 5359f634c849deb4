/**
 * What must have become of each generated record, checked the same way in process and on the
 * real CLI: one judgement or one dead letter, never both, never neither; a dead letter keeps the
 * exact bytes and says what is wrong; a valid transaction over the amount rule's limit is a row.
 */
import fc from 'fast-check';
import { type FuzzCase, showBytes } from './arbitraries/fuzzCase.ts';

/** The amount rule's default limit: a valid XAF transaction above it is suspicious whatever the other rules say. */
export const XAF_LIMIT = 10_000;

export interface DeadLetterSeen {
  readonly stage: string;
  readonly reason: string;
  readonly bytes: Uint8Array;
}

/** What became of one record. */
export interface Outcome {
  /** Decisions on arrival (revision 0): 1 for a transaction the rules judged. */
  readonly judged: number;
  /** Rows of revision 0 in suspicious_transactions (or the in-process sink). */
  readonly rows: number;
  readonly dead: readonly DeadLetterSeen[];
}

const FIELDS = 'id|transaction_id|amount|currency|timestamp|account|location(?:\\.\\w+)?|channel|type|balance|message';
/** A reason names the field at fault, or says the bytes are not UTF-8 or not JSON. */
export const REASON = new RegExp(`^(?:invalid UTF-8\\b|invalid JSON: .|(?:${FIELDS}): .)`);

export const mustBeRow = (c: FuzzCase): boolean => c.expect === 'valid' && c.amount?.currency === 'XAF' && c.amount.value > XAF_LIMIT;

/** What is wrong with the outcome of `c` (none: all is well), each saying so in words. */
export function problems(c: FuzzCase, o: Outcome): string[] {
  const found: string[] = [];
  if (o.judged + o.dead.length !== 1) found.push(`${o.judged} judgements and ${o.dead.length} dead letters, not exactly one of them`);
  if (c.expect === 'valid' && o.dead.length > 0) found.push(`a valid transaction became a dead letter: ${o.dead[0]!.reason}`);
  if (c.expect === 'invalid' && o.judged > 0) found.push('an invalid transaction was judged, not dead-lettered');
  if (mustBeRow(c) && o.rows !== 1) found.push(`${c.amount!.value} XAF is over ${XAF_LIMIT}: expected 1 row, found ${o.rows}`);
  if (o.rows > o.judged) found.push(`${o.rows} rows for ${o.judged} judgements`);
  for (const d of o.dead) {
    if (!Buffer.from(d.bytes).equals(c.bytes)) found.push(`the dead letter's bytes differ from the record's:\n    dead letter: ${showBytes(d.bytes)}`);
    if (d.stage !== 'parse-transaction') found.push(`dead letter of stage ${d.stage} (${d.reason}), not parse-transaction`);
    else if (!REASON.test(d.reason)) found.push(`the reason ${JSON.stringify(d.reason.slice(0, 200))} names no field and says nothing of the bytes`);
  }
  return found;
}

/** Every problem of every record, each with its offset and the record, for a failure message. */
export function report(cases: readonly FuzzCase[], outcomes: readonly Outcome[]): string[] {
  return cases.flatMap((c, offset) => problems(c, outcomes[offset]!).map((p) => `offset ${offset}: ${p}\n  record: ${fc.stringify(c)}`));
}
