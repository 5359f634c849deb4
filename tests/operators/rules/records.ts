/** Builders shared by the rules' specs (not a spec itself). */
import type { Judged } from '../../../src/operators/rules/judged.ts';
import type { Transaction, TransactionRecord } from '../../../src/types.ts';

const BASE = Date.UTC(2026, 10, 22, 10, 0, 0);

/** The timestamp `seconds` after 2026-11-22 10:00:00. */
export function at(seconds: number): string {
  return new Date(BASE + seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** A record at offset `offset`, `seconds` after 10:00:00, of account `A` unless told. */
export function tx(offset: number, seconds: number, fields: Partial<Transaction> = {}): TransactionRecord {
  return {
    transaction: {
      id: 1000,
      transaction_id: 10_000 + offset,
      amount: 100,
      currency: 'XAF',
      timestamp: at(seconds),
      account: 'A',
      ...fields,
    },
    ref: { source: 'test', partition: 0, offset },
  };
}

/** The judgement of `record`: none by default. */
export function judged(record: TransactionRecord, reasons: string[] = [], score = 0, late = false): Judged {
  return { record, reasons, score, late };
}

/** Each record's last decision (its latest revision), by offset: what a table of revisions ends with. */
export function finalDecisions(output: readonly Judged[]): Map<string, { reasons: readonly string[]; score: number }> {
  const last = new Map<string, { reasons: readonly string[]; score: number }>();
  for (const j of output) last.set(`${j.record.ref.partition}/${j.record.ref.offset}`, { reasons: j.reasons, score: j.score });
  return new Map([...last].sort(([a], [b]) => a.localeCompare(b)));
}
