/**
 * What `vigie detect transactions` writes to its alerts topic for a suspicious transaction: the
 * transaction's JSON with why and how suspicious, keyed by account so that one account's alerts
 * stay in order, its stable id in the value and in a header so that consumers drop the repeats
 * of at-least-once delivery (a record replayed after a crash is alerted again with the same id).
 * A revision is an alert of its own (`revision`, and `revised_by`: the record that caused it).
 * When the rules explain (`fired`), the alert names each rule that fired: its id and version, the
 * value it computed and the limit that value crossed, as the row and the JSONL log hold them.
 * When a learned model scores the flow, `model` says its version, probability, threshold and top
 * contributing features, and `shadow` a shadow model's version and probability.
 */
import type { KafkaMessage } from '../adapters/kafka/toKafka.ts';
import type { SourceRef, SuspiciousTransaction } from '../types.ts';

/** The Kafka header holding an alert's (or a dead letter's) stable id. */
export const ALERT_ID_HEADER = 'vigie-alert-id';

/**
 * `<topic>/<partition>/<offset>` of the record an alert comes from, `#<revision>` after it for a
 * revision: the same on every replay.
 */
export const alertId = (ref: SourceRef, revision = 0): string =>
  revision === 0 ? `${ref.source}/${ref.partition}/${ref.offset}` : `${ref.source}/${ref.partition}/${ref.offset}#${revision}`;

/** The alert of `s` on `topic`. */
export const alertMessage = (topic: string) => (s: SuspiciousTransaction): KafkaMessage => {
  const id = alertId(s.ref, s.revision);
  return {
    topic,
    key: s.transaction.account ?? String(s.transaction.id),
    value: JSON.stringify({
      alert_id: id,
      ...s.transaction,
      reasons: s.reasons,
      score: s.score,
      source: s.ref,
      revision: s.revision ?? 0,
      ...(s.cause ? { revised_by: s.cause } : {}),
      ...(s.fired ? { fired: s.fired } : {}),
      ...(s.model ? { model: s.model } : {}),
      ...(s.shadow ? { shadow: s.shadow } : {}),
    }),
    headers: { [ALERT_ID_HEADER]: id },
  };
};
