/**
 * A label in the transactions topic: the labels forwarder (labelsForward.ts) re-produces each
 * label of `transaction.labels` into the partition of its account's transactions, its value the
 * label's exact bytes, its key the account, and the header `vigie-record: label`. The detect flow
 * reads it back here as a label event (src/rules/labels.ts): a record whose transaction has
 * `label`, its account, terminal and transaction_id, and the label's `at` as its timestamp, which
 * only the rules that read labels (`fraudLabels`) step on, at its place in the partition's order.
 *
 * ```
 * key: "ACC-12"  headers: { vigie-record: label }
 * value: {"transaction_id":56789,"account":"ACC-12","label":"fraud","at":"2026-12-07T10:00:00Z","source":"chargebacks","terminal":"T-7"}
 * read as: { id: 0, transaction_id: 56789, amount: 0, currency: 'XXX', timestamp: '2026-12-07T10:00:00.000Z', account: 'ACC-12', terminal: 'T-7', label: 'fraud' }
 * ```
 *
 * Anything else (a value that is not a label, a key that is not its account, a label in another
 * partition than murmur2 of its key gives, when the message says how many the topic has, another
 * kind of record) is a dead letter with the record's exact bytes and the reason, and the stream goes on.
 */
import { Partitioners } from 'kafkajs';
import type { TransactionMessage } from '../../operators/parseTransaction.ts';
import type { Parsed, TransactionRecord } from '../../types.ts';
import { type Label, PARSE_LABEL, parseLabelRecord } from './labelRecord.ts';

/** The header that marks a record of the transactions topic that is not a transaction. */
export const RECORD_HEADER = 'vigie-record';
/** Its value on a forwarded label. */
export const LABEL_RECORD = 'label';

/** The label event a label is in the stream: what `withDelayedLabels` merges in training. */
export function labelEvent(label: Label): TransactionRecord {
  const { transaction_id, account, terminal, at, label: kind, ref } = label;
  return {
    // no client, no amount, no currency (ISO 4217's XXX): the label-reading rules read none of them
    transaction: { id: 0, transaction_id, amount: 0, currency: 'XXX', timestamp: new Date(at).toISOString(), account, ...(terminal === undefined ? {} : { terminal }), label: kind },
    ref,
  };
}

/**
 * Reads a record of the transactions topic that carries the header `vigie-record`: a label, or a
 * dead letter (stage `parse-label`, the exact bytes, the reason) for anything else.
 */
export function parseLabelEvent(message: TransactionMessage): Parsed<TransactionRecord> {
  const bytes = typeof message.raw === 'string' ? new TextEncoder().encode(message.raw) : message.raw;
  const parsed = parseLabelRecord(message.key ?? null, bytes, message.ref, message.time);
  if (message.record !== LABEL_RECORD) {
    const reason = `${RECORD_HEADER}: ${JSON.stringify(message.record)} is no kind of record vigie reads in a transactions topic (expected ${JSON.stringify(LABEL_RECORD)}, or no such header on a transaction)`;
    const dead = parsed.ok ? { stage: PARSE_LABEL, reason, raw: new TextDecoder().decode(bytes), bytes, ref: message.ref, time: message.time } : { ...parsed.dead, reason };
    return { ok: false, dead };
  }
  if (!parsed.ok) return parsed;
  const { partitions } = message;
  if (partitions !== undefined && message.key != null) {
    const expected = partitionOf(message.key, partitions);
    if (expected !== message.ref.partition) {
      const reason = `the label of account ${JSON.stringify(parsed.value.account)} is in partition ${message.ref.partition}, but murmur2 of its key puts the account's transactions in partition ${expected} of ${partitions}: a label must sit in its account's partition, where its transactions are`;
      return { ok: false, dead: { stage: PARSE_LABEL, reason, raw: new TextDecoder().decode(bytes), bytes, ref: message.ref, time: message.time } };
    }
  }
  return { ok: true, value: labelEvent(parsed.value) };
}

const murmur2 = Partitioners.DefaultPartitioner();
const metadata = new Map<number, { partitionId: number; leader: number; replicas: number[]; isr: number[]; partitionErrorCode: number }[]>();

/** The partition of `partitions` murmur2 gives `key`, as the Java client and kafkajs partition a keyed record. */
export function partitionOf(key: Uint8Array, partitions: number): number {
  let all = metadata.get(partitions);
  if (all === undefined) metadata.set(partitions, (all = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }))));
  return murmur2({ topic: '', partitionMetadata: all, message: { key: Buffer.from(key), value: null } });
}
