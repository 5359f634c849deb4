/**
 * One record of the control topic `transaction.rules` applied to a {@link RuleBook}: the key is
 * the rule id, the value the rule's JSON (UTF-8), a tombstone (null value) removes the rule. The
 * record's timestamp is the change's event time unless the rule states its own `from`.
 *
 * Nothing a record holds may stop the reader: a key or value that is not UTF-8, not JSON, not a
 * rule, or a rule the book refuses (an older version, a meaning error) is an outcome refused with
 * its reason, and the book is untouched.
 */
import type { RuleBook, RuleChangeOutcome } from '../../rules/ruleBook.ts';

/** What the reader needs of a record: kafkajs's message with its partition. */
export interface RuleRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Epoch ms, as kafkajs gives it (a string). */
  readonly timestamp: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** `transaction.rules/0@12`: where a change came from, for the log and the rejected topic. */
export const ruleSource = (topic: string, record: Pick<RuleRecord, 'partition' | 'offset'>): string => `${topic}/${record.partition}@${record.offset}`;

/**
 * Applies `record` of `topic` to `book`, or refuses it: the outcome, as the book's `outcome$`
 * tells it (a record refused before the book saw it, for its key or its bytes, is only returned).
 */
export function applyRuleRecord(book: RuleBook, topic: string, record: RuleRecord): RuleChangeOutcome {
  const source = ruleSource(topic, record);
  const stamped = Number(record.timestamp);
  const at = Number.isFinite(stamped) ? stamped : Date.now();
  const rawText = record.value === null ? undefined : (decode(record.value) ?? record.value.toString('base64'));
  const refuse = (id: string, reason: string): RuleChangeOutcome => ({
    accepted: false,
    change: { id, rule: null, at, source },
    reason,
    ...(rawText === undefined ? {} : { raw: rawText }),
  });
  const id = record.key === null ? undefined : decode(record.key);
  if (record.key === null || record.key.length === 0) return refuse('', 'no key: the record of a rule is keyed by its id');
  if (id === undefined) return refuse(record.key.toString('base64'), 'the key (the rule id) is not UTF-8 (key and raw shown in base64)');
  if (record.value === null) return book.applyRaw(id, null, at, source);
  const text = decode(record.value);
  if (text === undefined) return refuse(id, 'the value is not UTF-8 (raw shown in base64)');
  return book.applyRaw(id, text, at, source);
}

/** The JSON of a refused change on `transaction.rules.rejected`: `{ id, reason, raw, source, at }`. */
export function rejectedJson(outcome: Extract<RuleChangeOutcome, { accepted: false }>): string {
  const { id, at, source } = outcome.change;
  return JSON.stringify({ id, reason: outcome.reason, raw: outcome.raw ?? null, source, at: isoOrNull(at) });
}

/** One line for the log: `rules: frequency v2 from 2026-12-07T16:40:00Z (transaction.rules/0@5)`, a removal, or a refusal with its reason. */
export function describeOutcome(outcome: RuleChangeOutcome): string {
  const { id, at, source } = outcome.change;
  const from = isoOrNull(at) ?? 'the start';
  if (!outcome.accepted) return `rules: refused ${id || '(no id)'} (${source}): ${outcome.reason}`;
  if (outcome.rule === null) return `rules: ${id} removed from ${from} (${source})`;
  return `rules: ${id} v${outcome.rule.version}${outcome.rule.enabled ? '' : ' (disabled)'} from ${from} (${source})`;
}

/** ISO 8601 to the second when whole (`2026-12-07T16:40:00Z`), null for the start of time. */
function isoOrNull(at: number): string | null {
  if (!Number.isFinite(at)) return null;
  const iso = new Date(at).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}
