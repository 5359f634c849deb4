/**
 * `vigie detect transactions`: the fraud flow fed by Kafka, its suspicious transactions and dead
 * letters in PostgreSQL, in logs and on Kafka topics (alerts, dead letters), offsets committed
 * only for what is written (see detectSource.ts for what both flows share).
 */
import { join } from 'node:path';
import { map, pipe } from 'rxjs';
import { deadLetterJson } from '../adapters/kafka/deadLetterJson.ts';
import { createLightProducer } from '../adapters/kafka/lightProducer.ts';
import { toKafka } from '../adapters/kafka/toKafka.ts';
import { suspiciousMessage } from '../dashboard/messages.ts';
import { deadLettersTable, suspiciousTransactionsTable } from '../adapters/postgres/tables.ts';
import { toPostgres } from '../adapters/postgres/toPostgres.ts';
import { openJsonlLog, toJsonlLog } from '../adapters/toJsonlLog.ts';
import type { KafkaRecord } from '../adapters/kafka/types.ts';
import { type RulesRestored, RulesStore, eventTime } from '../operators/rules/index.ts';
import { acknowledgedTransactions } from '../streams/acknowledgedTransactions.ts';
import type { DeadLetter } from '../types.ts';
import { type DetectConfig, openDetectSource, runDetect } from './detectSource.ts';
import { lateLog } from './lateLog.ts';
import type { Running } from './running.ts';
import { ALERT_ID_HEADER, alertId, alertMessage } from './alertMessage.ts';

export { ALERT_ID_HEADER, alertId } from './alertMessage.ts';

/** A line per rule whose restored state differs from the rules running now (once per partition, not per account). */
function logRestoredRules({ topic, partition, accounts, started, dropped, migrated, positional }: RulesRestored, log: (line: string) => void): void {
  const where = `state fraud-rules of ${topic}/${partition}`;
  for (const { rule, accounts: n } of started) log(`${where}: rule ${rule} has no state in ${n} of ${accounts} accounts (new to --rules): it starts from empty state at the restored offset`);
  for (const { rule, accounts: n } of dropped) log(`${where}: rule ${rule} is no longer in --rules: its state in ${n} accounts is dropped`);
  for (const { rule, from, accounts: n } of migrated) log(`${where}: rule ${rule}'s state in ${n} accounts migrated from its version ${from}`);
  if (positional > 0) log(`${where}: ${positional} of ${accounts} accounts were written by an older vigie that kept rule state by position: not read, every rule starts from empty state for them at the restored offset`);
}

/** A record's exact bytes: the parser decodes them, so that invalid UTF-8 is a dead letter, not U+FFFD. */
const bytes = (record: KafkaRecord): Buffer => record.value ?? Buffer.alloc(0);

export async function detectTransactions(config: DetectConfig, log: (line: string) => void): Promise<Running> {
  // The flow's state, written down with the offsets it covers and restored on assignment.
  const rulesState = new RulesStore('fraud-rules');
  const source = await openDetectSource(config, log, rulesState.stores);
  const { records$, services, watermarks, counts, brokers } = source;
  const { logDir, metrics, dashboard, db, retry, outages } = services;
  // Late transactions' coordinates, at most a line a second per partition.
  const lateLines = lateLog(log);
  const files: { close(): Promise<void> }[] = [{ close: async () => lateLines.close() }];
  const suspicious = await openJsonlLog(join(logDir, 'suspicious-transactions.jsonl'));
  const dead = await openJsonlLog(join(logDir, 'dead-letters.jsonl'));
  files.push(suspicious, dead);
  const kafkaRetry = services.retryFor('kafka', brokers, 'Kafka write');
  // Up to 2 000 alerts a request: in a backlog, fewer round trips and less CPU per alert.
  const ALERT_SINK = { retry: kafkaRetry, batch: { size: 2_000, lingerMs: 5 } };
  // Brokers away at start are waited for, as in an outage later (until --max-outage, if set).
  // @platformatic/kafka's producer: about half the CPU per alert of kafkajs's in a thread of its
  // own, which both cores paid for (`npm run bench -- alerts`).
  const producer = await createLightProducer(config.kafka, 'vigie', {
    retry: services.retryFor('kafka', brokers, `connecting to ${brokers}`),
    ...(config.kafkaSecurity && { security: config.kafkaSecurity }),
  }).catch(
    async (error: unknown) => {
      await Promise.allSettled(files.map((f) => f.close()));
      await services.close();
      throw error;
    },
  );
  outages.up('kafka');
  files.push({ close: () => producer.close() });
  // Alerts and dead letters for other systems (alertMessage.ts): at least once, stable ids.
  const alert = alertMessage(config.alertsTopic);
  // the same JSON on the dead-letter topic and in the dead-letter log
  const deadLetterValue = (d: DeadLetter) => ({ alert_id: alertId(d.ref), ...deadLetterJson(d) });
  const deadLetter = (d: DeadLetter) => ({
    topic: config.dlqTopic,
    value: JSON.stringify(deadLetterValue(d)),
    headers: { [ALERT_ID_HEADER]: alertId(d.ref) },
  });
  // `--alerts-topic ''`: the suspicious rows go to PostgreSQL only, as the seed's job wrote them
  const alerting = config.alertsTopic !== '';
  log(`${alerting ? `Alerts to ${config.alertsTopic}` : "Alerts off (--alerts-topic '')"}, dead letters to ${config.dlqTopic}`);
  const results$ = acknowledgedTransactions(
    records$.pipe(map((record) => ({ message: { raw: bytes(record), ref: record.ref, time: record.timestamp }, ack: record.ack }))),
    {
      suspicious: [toPostgres(db.pool, suspiciousTransactionsTable, { retry }), ...(alerting ? [toKafka(producer, alert, ALERT_SINK)] : [])],
      deadLetters: [toPostgres(db.pool, deadLettersTable, { retry }), toKafka(producer, deadLetter, { retry: kafkaRetry })],
      logs: { suspicious: [toJsonlLog(suspicious)], deadLetters: [pipe(map(deadLetterValue), toJsonlLog(dead))] },
    },
    {
      rules: config.rules,
      amount: { limits: { XAF: config.amountLimit } },
      allowedLatenessMs: config.allowedLateness,
      store: rulesState,
      onWatermark: (ref, watermark) => watermarks.advance(ref, watermark),
      onRestored: (restored) => logRestoredRules(restored, log),
      onJudged: (judged) => {
        watermarks.touch(judged.record.ref);
        if ((judged.revision ?? 0) > 0) {
          counts.revisions++;
          metrics.revision();
        } else metrics.transaction();
        if (judged.late) {
          const { ref, transaction } = judged.record;
          counts.late++;
          metrics.late(ref.source, ref.partition);
          const watermark = watermarks.of(ref);
          lateLines.late(ref, watermark === undefined ? undefined : watermark - eventTime(transaction));
        }
        if (judged.reasons.length === 0) return;
        metrics.suspicious();
        if (!dashboard.watched) return; // no page open: no message built per transaction
        const { record, reasons, score } = judged;
        dashboard.publish(suspiciousMessage({ transaction: record.transaction, ref: record.ref, reasons, score }));
      },
    },
  );
  return runDetect(config, log, source, results$, files);
}
