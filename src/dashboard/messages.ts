/**
 * What the dashboard's `/events` stream carries, and how `vigie start`'s events become it. A
 * browser cannot draw thousands of points a second per chart, so readings are thinned per topic;
 * anomalies and suspicious transactions are rare and always sent. Every message carries `sentAt`
 * (epoch ms) so the page, and its test, can tell how late it renders.
 */
import type { SensorEvent } from '../streams/sensorAnomalies.ts';
import type { RulesMessage } from './rulesPanel.ts';
import type { SuspiciousTransaction } from '../types.ts';

export type DashboardMessage =
  | { readonly type: 'reading'; readonly topic: string; readonly time: number; readonly value: number }
  | { readonly type: 'anomaly'; readonly topic: string; readonly time: number; readonly value: number; readonly detector: string }
  | ({ readonly type: 'suspicious'; readonly reasons: readonly string[]; readonly score: number } & Record<string, unknown>)
  | {
      readonly type: 'stats';
      readonly readingsPerSecond: number;
      readonly anomalies: number;
      readonly suspicious: number;
      readonly deadLetters: number;
      readonly rowsWritten: number;
      readonly latencyMs: number | null;
      /** Records behind, summed over the partitions read (Kafka flows only). */
      readonly consumerLag?: number;
      /** What is down, where and since when (e.g. `kafka 127.0.0.1:9092 down since 16:24:31 (28 s)`); empty when all is up. */
      readonly down?: string;
    }
  /** The Rules panel: the rules in force, their hits per minute and latest hits (see rulesPanel.ts). */
  | RulesMessage;

/** Turns sensor events into messages, keeping at most `maxPerSecond` readings per topic. */
export function sensorMessages(maxPerSecond = 20): (event: SensorEvent) => DashboardMessage | null {
  const gapMs = 1000 / maxPerSecond;
  const lastSent = new Map<string, number>();
  return (event) => {
    if (event.kind === 'reading') {
      const { topic, time, value } = event.reading;
      if (time - (lastSent.get(topic) ?? -Infinity) < gapMs) return null;
      lastSent.set(topic, time);
      return { type: 'reading', topic, time, value };
    }
    if (event.kind === 'detection' && event.detection.state === -1) {
      const { topic, time, value, detector } = event.detection;
      return { type: 'anomaly', topic, time, value, detector };
    }
    return null;
  };
}

/** The transaction's own `type` (TRANSFER, ...) becomes `transactionType`: `type` names the message. */
export function suspiciousMessage(s: SuspiciousTransaction): DashboardMessage {
  const { type: transactionType, ...transaction } = s.transaction;
  const message = { ...transaction, type: 'suspicious' as const, transactionType, reasons: s.reasons, score: s.score };
  // a model's probability and the features that pushed it most, for the alerts panel
  return s.model === undefined ? message : { ...message, model: { version: s.model.version, score: s.model.score, top: s.model.top ?? [] } };
}
