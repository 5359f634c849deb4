/**
 * What both `vigie detect` flows share: the services, the Kafka source with its state's
 * checkpoints and the partitions' watermarks, and the running part (the per-second stats line
 * and dashboard message, the rows counted, the stop). Each flow is in a module of its own
 * (detectTransactions.ts, detectSensors.ts).
 */
import { type Observable, Subject, tap } from 'rxjs';
import { fromKafka } from '../adapters/kafka/fromKafka.ts';
import type { KafkaRecord } from '../adapters/kafka/types.ts';
import type { KafkaSecurity } from '../adapters/kafka/security.ts';
import type { RuleName } from '../operators/rules/index.ts';
import { type Checkpoints, type PostgresCheckpoints, postgresCheckpoints } from '../state/checkpoints.ts';
import type { SinkTransaction } from '../adapters/kafka/transactionalCommits.ts';
import type { TopicPartition } from '../adapters/kafka/offsetTracker.ts';
import type { OutputOffsets } from '../adapters/postgres/outputOffsets.ts';
import { Watermarks } from '../state/watermarks.ts';
import type { StateStore } from '../state/stateStore.ts';
import type { Detection, Written } from '../types.ts';
import type { Config } from './config.ts';
import { type Running, running } from './running.ts';
import { type Services, openServices } from './services.ts';

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
  /** A rule set file instead of the default rules with `rules` and `amountLimit`. */
  readonly rulesFile?: string;
  /** The control topic of rule changes; '' for none. */
  readonly rulesTopic: string;
  /** Where refused rule changes go; '' for the log only. */
  readonly rulesRejectedTopic: string;
  /** Keys other than the account that rules may keep state by (a stage each), besides the starting rules'. */
  readonly ruleKeys: readonly string[];
  /** The topic of transactions' labels, stored in PostgreSQL as they come; '' (or absent) for none. */
  readonly labelsTopic?: string;
  /** A fraud model file that scores every transaction beside the rules. */
  readonly model?: string;
  /** The compacted control topic of the models (current, shadow); '' (or absent) for none. */
  readonly modelsTopic?: string;
  /** Store every transaction in PostgreSQL's `transactions` (for training), not only the suspicious ones. */
  readonly storeTransactions?: boolean;
}

/** The flow's counts, for the stats line. */
export interface DetectCounts {
  records: number;
  flagged: number;
  dead: number;
  late: number;
  revisions: number;
  rows: number;
  lastRecords: number;
}

export interface DetectSource {
  readonly services: Services;
  readonly records$: Observable<KafkaRecord>;
  /** How far event time has got over the partitions this process holds, for /metrics. */
  readonly watermarks: Watermarks;
  readonly counts: DetectCounts;
  readonly stop$: Subject<void>;
  /** The brokers, comma-separated, for messages. */
  readonly brokers: string;
}

/**
 * A flow whose outputs are written in the commit's transaction with their offsets (the fraud
 * flow): the offsets it reads on restore, the transaction, and what to drop when partitions go.
 */
export interface TransactionalOutputsSetup {
  readonly offsets: OutputOffsets;
  transaction(services: Services, checkpoints: PostgresCheckpoints): SinkTransaction;
  revoke(partitions: readonly TopicPartition[]): void;
}

/** Opens the services and the Kafka source whose state lives in `stores`, checkpointed with its offsets (and its outputs', when `transactional`). */
export async function openDetectSource(
  config: DetectConfig,
  log: (line: string) => void,
  stores: readonly StateStore<unknown>[],
  transactional?: TransactionalOutputsSetup,
): Promise<DetectSource> {
  const services = await openServices(config, log);
  const { metrics, db, outages } = services;
  const brokers = config.kafka.join(',');
  metrics.dependency('kafka', null);
  const stop$ = new Subject<void>();
  const counts: DetectCounts = { records: 0, flagged: 0, dead: 0, late: 0, revisions: 0, rows: 0, lastRecords: 0 };
  const watermarks = new Watermarks();
  metrics.watermark(() => watermarks.current());
  const checkpoints = postgresCheckpoints(db.pool, config.group, stores, {
    onRestore: ({ store, topic, partition, keys, offset, ms }) =>
      log(`state ${store} of ${topic}/${partition}: ${keys} keys up to offset ${offset ?? 'none'} restored in ${ms} ms`),
    ...(transactional && { outputs: transactional.offsets }),
  });
  const state: Checkpoints = {
    ...checkpoints,
    revoke: (partitions) => {
      checkpoints.revoke(partitions);
      transactional?.revoke(partitions);
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
    ...(transactional && { transaction: transactional.transaction(services, checkpoints) }),
  }).pipe(tap(() => counts.records++));
  log(`Kafka: ${config.kafka.join(',')} topic ${config.topic.join(',')}, group ${config.group}, from ${config.from}`);
  return { services, records$, watermarks, counts, stop$, brokers };
}

/** Runs the flow's results until stopped: counts them, logs and publishes the stats every second, then closes `files` and the services. */
export function runDetect(config: DetectConfig, log: (line: string) => void, source: DetectSource, results$: Observable<Written<unknown>>, files: readonly { close(): Promise<void> }[]): Running {
  const { services, counts, stop$ } = source;
  const { logDir, metrics, dashboard, outages } = services;
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
      await Promise.allSettled(files.map((f) => f.close()));
      await services.close();
    },
  });
}
