/**
 * `vigie detect sensors|transactions`: a flow fed by Kafka, its results in PostgreSQL (exactly
 * once, keyed by the records' coordinates) and in logs, offsets committed only for what is
 * written. Stopping drains: fetching stops, what is in flight is written and acknowledged, the
 * offsets are committed, then the consumer leaves its group.
 */
import { join } from 'node:path';
import { type Observable, Subject, filter, map, pipe, tap } from 'rxjs';
import { fromKafka } from '../adapters/kafka/fromKafka.ts';
import { deadLetterJson } from '../adapters/kafka/deadLetterJson.ts';
import { createThreadedProducer } from '../adapters/kafka/producerThread.ts';
import { toKafka } from '../adapters/kafka/toKafka.ts';
import { openPickleLog } from '../adapters/pickle/pickleLog.ts';
import { sensorMessages, suspiciousMessage } from '../dashboard/messages.ts';
import { detectionTuple } from '../adapters/pickle/tuples.ts';
import { deadLettersTable, sensorDetectionsTable, suspiciousTransactionsTable } from '../adapters/postgres/tables.ts';
import { toPostgres } from '../adapters/postgres/toPostgres.ts';
import { openJsonlLog, toJsonlLog } from '../adapters/toJsonlLog.ts';
import { toPickleLog } from '../adapters/toPickleLog.ts';
import type { KafkaRecord } from '../adapters/kafka/types.ts';
import type { KafkaSecurity } from '../adapters/kafka/security.ts';
import { acknowledgedSensors } from '../streams/acknowledgedSensors.ts';
import { fanOut } from '../operators/fanOut.ts';
import { type RuleName, type RulesRestored, RulesStore, eventTime } from '../operators/rules/index.ts';
import type { SeriesWindow } from '../operators/seriesWarmUp.ts';
import type { SeriesDetectorState } from '../operators/seriesDetect.ts';
import { type Checkpoints, postgresCheckpoints } from '../state/checkpoints.ts';
import { Watermarks } from '../state/watermarks.ts';
import { StateStore } from '../state/stateStore.ts';
import { acknowledgedTransactions } from '../streams/acknowledgedTransactions.ts';
import type { DeadLetter, Detection, SourceRef, SuspiciousTransaction, Written } from '../types.ts';
import type { Config } from './config.ts';
import { lateLog } from './lateLog.ts';
import { type Running, running } from './running.ts';
import { openServices } from './services.ts';

/** `vigie start`'s settings that the Kafka flows share (database, dashboard, detectors, amount), and their own. */
export interface DetectConfig extends Omit<Config, 'sensorRate' | 'transactionRate' | 'anomalyRate' | 'duration'> {
  readonly kind: 'sensors' | 'transactions';
  readonly kafka: string[];
  /** TLS and SASL to the brokers; it holds the password: never print it. */
  readonly kafkaSecurity?: KafkaSecurity;
  /** Read by one consumer; each topic's partitions have their own state (windows, accounts). */
  readonly topic: readonly string[];
  readonly group: string;
  readonly from: 'committed' | 'earliest' | 'latest';
  readonly maxInFlight: number;
  readonly sessionTimeout: number;
  readonly alertsTopic: string;
  readonly dlqTopic: string;
  readonly allowedLateness: number;
  readonly rules: readonly RuleName[];
}

/** The Kafka header holding an alert's (or a dead letter's) stable id. */
export const ALERT_ID_HEADER = 'vigie-alert-id';

/**
 * `<topic>/<partition>/<offset>` of the record an alert comes from, `#<revision>` after it for a
 * revision: the same on every replay.
 */
export const alertId = (ref: SourceRef, revision = 0): string =>
  revision === 0 ? `${ref.source}/${ref.partition}/${ref.offset}` : `${ref.source}/${ref.partition}/${ref.offset}#${revision}`;

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

export async function detect(config: DetectConfig, log: (line: string) => void): Promise<Running> {
  const services = await openServices(config, log);
  const { logDir, metrics, dashboard, db, retry, outages } = services;
  const brokers = config.kafka.join(',');
  metrics.dependency('kafka', null);
  const stop$ = new Subject<void>();
  const counts = { records: 0, flagged: 0, dead: 0, late: 0, revisions: 0, rows: 0, lastRecords: 0 };
  // The flow's state, written down with the offsets it covers and restored on assignment.
  const rulesState = new RulesStore('fraud-rules');
  const sensorWindows = new StateStore<SeriesWindow>('sensor-windows');
  const sensorDetectors = new StateStore<SeriesDetectorState>('sensor-detectors');
  const stores = config.kind === 'transactions' ? rulesState.stores : [sensorWindows as StateStore<unknown>, sensorDetectors];
  // How far event time has got over the partitions this process holds, for /metrics.
  const watermarks = new Watermarks();
  // Late transactions' coordinates, at most a line a second per partition.
  const lateLines = lateLog(log);
  metrics.watermark(() => watermarks.current());
  const checkpoints = postgresCheckpoints(db.pool, config.group, stores, {
    onRestore: ({ store, topic, partition, keys, offset, ms }) =>
      log(`state ${store} of ${topic}/${partition}: ${keys} keys up to offset ${offset ?? 'none'} restored in ${ms} ms`),
  });
  const state: Checkpoints = {
    ...checkpoints,
    revoke: (partitions) => {
      checkpoints.revoke(partitions);
      for (const { topic, partition } of partitions) watermarks.forget({ source: topic, partition });
    },
  };
  const records$ = fromKafka({
    state,
    brokers: config.kafka,
    ...(config.kafkaSecurity && { security: config.kafkaSecurity }),
    topics: [...config.topic],
    groupId: config.group,
    start: config.from,
    maxInFlight: config.maxInFlight,
    sessionTimeoutMs: config.sessionTimeout,
    stop$,
    log,
    onLag: (topic, partition, lag) => metrics.consumerLag(topic, partition, lag),
    onDown: (error) => outages.down('kafka', brokers, error),
    onUp: () => outages.up('kafka'),
  }).pipe(tap(() => counts.records++));
  log(`Kafka: ${config.kafka.join(',')} topic ${config.topic.join(',')}, group ${config.group}, from ${config.from}`);

  const files: { close(): Promise<void> }[] = [];
  let results$: Observable<Written<unknown>>;
  if (config.kind === 'sensors') {
    const toMessage = sensorMessages();
    // A topic's logs are those a process of its own would write: `<topic>-detections...`.
    const perTopic = await Promise.all(
      config.topic.map(async (topic) => ({
        topic,
        pickles: await Promise.all(config.detectors.map(async (name) => ({ name, file: await openPickleLog(join(logDir, `${topic}-detections-${name}.pkl`)) }))),
        jsonl: await openJsonlLog(join(logDir, `${topic}-detections.jsonl`)),
      })),
    );
    const dead = await openJsonlLog(join(logDir, 'dead-letters.jsonl'));
    files.push(...perTopic.flatMap((t) => [...t.pickles.map((p) => p.file), t.jsonl]), dead);
    const topicLogs = perTopic.map((t) =>
      pipe(
        filter((d: Detection) => d.topic === t.topic),
        fanOut(...t.pickles.map(({ name, file }) => pipe(filter((d: Detection) => d.detector === name), toPickleLog(file, detectionTuple))), toJsonlLog(t.jsonl)),
      ),
    );
    log(`Detectors: ${config.detectors.join(', ')}`);
    results$ = acknowledgedSensors(
      records$,
      {
        detections: toPostgres(db.pool, sensorDetectionsTable, { retry }),
        deadLetters: toPostgres(db.pool, deadLettersTable, { retry }),
        logs: {
          detections: topicLogs,
          deadLetters: [toJsonlLog<DeadLetter>(dead, { toRecord: deadLetterJson })],
        },
      },
      {
        window: config.window,
        store: sensorWindows,
        detectors: config.detectors,
        detectorStore: sensorDetectors,
        onEvent: (event) => {
          metrics.sensorEvent(event);
          const message = toMessage(event);
          if (message) dashboard.publish(message);
        },
        dbscan: { eps: config.eps, minSamples: config.minSamples },
        isolationForest: { trees: config.trees, sampleSize: config.sampleSize, seed: config.seed, threshold: config.threshold },
      },
    );
  } else {
    const suspicious = await openJsonlLog(join(logDir, 'suspicious-transactions.jsonl'));
    const dead = await openJsonlLog(join(logDir, 'dead-letters.jsonl'));
    files.push(suspicious, dead);
    const kafkaRetry = services.retryFor('kafka', brokers, 'Kafka write');
    // Up to 2 000 alerts a request: in a backlog, fewer round trips and less CPU per alert; the
    // producer thread pays kafkajs's grouping of a request, which grows with its square.
    const ALERT_SINK = { retry: kafkaRetry, batch: { size: 2_000, lingerMs: 5 } };
    // Brokers away at start are waited for, as in an outage later (until --max-outage, if set).
    // Alerts and dead letters are encoded and sent by a producer in a thread of its own: the
    // costliest stage of the flow, off the thread that runs the rules.
    const producer = await createThreadedProducer(config.kafka, 'vigie', {
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
    // Alerts and dead letters for other systems, keyed by account so one account's stay in order.
    // At least once: a record replayed after a crash is alerted again with the same alert_id
    // (its source coordinates), in the value and in a header, so consumers drop the repeats.
    // A revision is an alert of its own (`revision`, and `revised_by`: the record that caused it).
    const alert = (s: SuspiciousTransaction) => ({
      topic: config.alertsTopic,
      key: s.transaction.account ?? String(s.transaction.id),
      value: JSON.stringify({
        alert_id: alertId(s.ref, s.revision),
        ...s.transaction,
        reasons: s.reasons,
        score: s.score,
        source: s.ref,
        revision: s.revision ?? 0,
        ...(s.cause ? { revised_by: s.cause } : {}),
      }),
      headers: { [ALERT_ID_HEADER]: alertId(s.ref, s.revision) },
    });
    // the same JSON on the dead-letter topic and in the dead-letter log
    const deadLetterValue = (d: DeadLetter) => ({ alert_id: alertId(d.ref), ...deadLetterJson(d) });
    const deadLetter = (d: DeadLetter) => ({
      topic: config.dlqTopic,
      value: JSON.stringify(deadLetterValue(d)),
      headers: { [ALERT_ID_HEADER]: alertId(d.ref) },
    });
    log(`Alerts to ${config.alertsTopic}, dead letters to ${config.dlqTopic}`);
    results$ = acknowledgedTransactions(
      records$.pipe(map((record) => ({ message: { raw: bytes(record), ref: record.ref, time: record.timestamp }, ack: record.ack }))),
      {
        suspicious: [toPostgres(db.pool, suspiciousTransactionsTable, { retry }), toKafka(producer, alert, ALERT_SINK)],
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
  }
  log(`Logs: ${logDir}`);

  const flagged = config.kind === 'sensors' ? 'anomalies' : 'suspicious';
  services.running();
  const ticker = setInterval(() => {
    const down = outages.describe();
    log(`${counts.records - counts.lastRecords} records/s | ${counts.records} records | ${counts.flagged} ${flagged} | ${counts.dead} dead letters | ${counts.late} late | ${counts.revisions} revisions | ${counts.rows} rows written${down ? ` | ${down}` : ''}`);
    dashboard.publish({
      type: 'stats',
      readingsPerSecond: counts.records - counts.lastRecords,
      anomalies: config.kind === 'sensors' ? counts.flagged : 0,
      suspicious: config.kind === 'transactions' ? counts.flagged : 0,
      deadLetters: counts.dead,
      rowsWritten: counts.rows,
      latencyMs: metrics.takeMeanLatencyMs(),
      consumerLag: metrics.totalLag(),
      down,
    });
    counts.lastRecords = counts.records;
  }, 1000);
  const count = (w: Written<unknown>): void => {
    if (!w.sink.startsWith('postgres:')) return;
    counts.rows += w.items.length;
    if (w.sink === 'postgres:dead_letters') counts.dead += w.items.length;
    else if (w.sink === 'postgres:suspicious_transactions') counts.flagged += w.items.length;
    else counts.flagged += (w.items as Detection[]).filter((d) => d.state === -1).length;
  };
  return running({
    results$: results$.pipe(
      tap((w) => {
        count(w);
        metrics.written(w);
        outages.written(w);
      }),
      outages.guard(),
    ),
    stop$,
    summary: () => log(`${counts.records} records | ${counts.rows} rows written`),
    close: async () => {
      clearInterval(ticker);
      lateLines.close();
      await Promise.allSettled(files.map((f) => f.close()));
      await services.close();
    },
  });
}
