/**
 * `vigie detect transactions`: the fraud flow fed by Kafka, its suspicious transactions and dead
 * letters in PostgreSQL, in logs and on Kafka topics (alerts, dead letters), offsets committed
 * only for what is written (see detectSource.ts for what both flows share).
 */
import { join } from 'node:path';
import { VigieError } from '../errors.ts';
import { Subject, filter, map, mergeWith, pipe, tap } from 'rxjs';
import { deadLetterJson } from '../adapters/kafka/deadLetterJson.ts';
import { createLightProducer } from '../adapters/kafka/lightProducer.ts';
import { toKafka } from '../adapters/kafka/toKafka.ts';
import { suspiciousMessage } from '../dashboard/messages.ts';
import { showRules } from '../dashboard/rulesPanel.ts';
import { OutputOffsets } from '../adapters/postgres/outputOffsets.ts';
import { outputTransaction } from '../adapters/postgres/outputTransaction.ts';
import { type ReceivedInput, TransactionalOutputs } from '../adapters/postgres/transactionalOutputs.ts';
import { addressOf } from '../adapters/postgres/connect.ts';
import { openJsonlLog, toJsonlLog } from '../adapters/toJsonlLog.ts';
import type { KafkaRecord } from '../adapters/kafka/types.ts';
import { type Judged, type RulesRestored, RulesStore, eventTime } from '../operators/rules/index.ts';
import { accountKey } from '../rules/compile.ts';
import { isLabel } from '../rules/labels.ts';
import { acknowledgedTransactions, asReceived } from '../streams/acknowledgedTransactions.ts';
import type { DeadLetter, StoredTransaction, TransactionRecord, Written } from '../types.ts';
import type { ClosableProducer } from '../adapters/kafka/lightProducer.ts';
import { type DetectConfig, openDetectSource, runDetect } from './detectSource.ts';
import { lateLog } from './lateLog.ts';
import { startingBook } from './ruleSet.ts';
import { followRuleChanges } from '../adapters/kafka/ruleChanges.ts';
import { followLabels } from '../adapters/kafka/labels.ts';
import { RECORD_HEADER } from '../adapters/kafka/labelEvent.ts';
import { forwardGroup, forwardLabels, partitionCounts } from '../adapters/kafka/labelsForward.ts';
import { retryAsync } from '../retry.ts';
import { followModelChanges } from '../adapters/kafka/modelChanges.ts';
import { type FraudModel, readFraudModel } from '../models/fraudModel.ts';
import { ModelSlots, adoptFeatures } from '../models/modelSlots.ts';
import { withApproxContributions } from '../models/approxContributions.ts';
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

/** `2026-12-07T19:00:00Z-3f2a1b threshold 0.37, 31 features`: a model for the log. */
export function describeModel(model: Pick<FraudModel, 'version' | 'threshold' | 'features'>): string {
  return `${model.version} threshold ${model.threshold}, ${model.features.length} features`;
}

const withCount = (partitions: number | undefined) => (partitions === undefined ? {} : { partitions });

const utf8 = new TextDecoder();

/** A transaction as `--store-transactions` stores it: the record's JSON as it came, and what training joins and orders on. */
export function storedTransaction({ ref, transaction }: TransactionRecord, input: ReceivedInput): StoredTransaction {
  return {
    ref,
    json: typeof input.raw === 'string' ? input.raw : utf8.decode(input.raw),
    eventTime: eventTime(transaction),
    account: accountKey(transaction),
    transactionId: transaction.transaction_id,
    time: input.time,
  };
}

/** A record's exact bytes: the parser decodes them, so that invalid UTF-8 is a dead letter, not U+FFFD. */
const bytes = (record: KafkaRecord): Buffer => record.value ?? Buffer.alloc(0);

export async function detectTransactions(config: DetectConfig, log: (line: string) => void): Promise<Running> {
  // The rules: the file's (or the default ones), then the control topic's changes on top, read
  // to its end before the first transaction is judged (below), then followed while the flow runs.
  const book = startingBook(config);
  // A model scores beside the rules: its feature rules join the book before the flow fixes its stages.
  const modelsTopic = config.modelsTopic ?? '';
  // alerts explain by XGBoost's approximate contributions: a walk per tree, as scoring (exact TreeSHAP costs hundreds of µs)
  const fileModel = config.model === undefined ? undefined : withApproxContributions(readFraudModel(config.model));
  // labels reach the features when the flow reads a labels topic: forwarded into the transactions topic (below)
  const labelsTopic = config.labelsTopic ?? '';
  const labelsFed = labelsTopic !== '';
  if (fileModel !== undefined) adoptFeatures(book, fileModel, { labelsFed });
  // the models that score, as the file and the control topic set them (none: the rules alone)
  const models = fileModel === undefined && modelsTopic === '' ? undefined : new ModelSlots(fileModel);
  log(`Rules: ${book.list().map((v) => `${v.id} v${v.rule!.version}`).join(', ')} (${config.rulesFile === undefined ? 'rules/default.json' : config.rulesFile})`);
  if (fileModel !== undefined) log(`Model: ${describeModel(fileModel)} (${config.model})`);
  // The flow's state, written down with the offsets it covers and restored on assignment.
  const rulesState = new RulesStore('fraud-rules');
  // Suspicious rows and dead letters are staged, then written with their partitions' offsets
  // (and the rules' state when due) in one transaction per commit: see outputTransaction.ts.
  const offsets = new OutputOffsets(config.group);
  const staging = new TransactionalOutputs((topic, partition) => offsets.owns(topic, partition));
  const committed$ = new Subject<Written<unknown>>();
  let producer: ClosableProducer | undefined;
  const source = await openDetectSource(config, log, rulesState.stores, {
    offsets,
    revoke: (partitions) => {
      staging.drop(partitions);
      offsets.forget(partitions);
    },
    transaction: (services, checkpoints) =>
      outputTransaction({
        pool: services.db.pool,
        staging,
        offsets,
        checkpoints,
        refusedDeadLetter: (refusal, input) => asReceived(refusal, 'postgres:suspicious_transactions', input),
        // rows the table refused: on the dead-letter topic before their transaction commits
        sendDeadLetters: async (dead) => {
          await producer!.sendBatch({ acks: -1, topicMessages: [{ topic: config.dlqTopic, messages: dead.map(deadLetter) }] }).catch((cause: unknown) => {
            // the transaction is retried until the topic takes them: an outage, not a failure of the flow
            throw new VigieError('KAFKA_UNAVAILABLE', `could not send ${dead.length} dead letters: ${(cause as Error)?.message ?? cause}`, { where: { topic: config.dlqTopic }, cause, retriable: true });
          });
        },
        onWritten: (written) => committed$.next(written),
        onDown: (error) => services.outages.down('postgres', addressOf(services.db.url), error),
        onUp: () => services.outages.up('postgres'),
        log,
      }),
  });
  const { records$, services, watermarks, counts, brokers } = source;
  const { logDir, metrics, dashboard, outages } = services;
  // Late transactions' coordinates, at most a line a second per partition.
  const lateLines = lateLog(log);
  const files: { close(): Promise<void> }[] = [{ close: async () => lateLines.close() }];
  const suspicious = await openJsonlLog(join(logDir, 'suspicious-transactions.jsonl'));
  const dead = await openJsonlLog(join(logDir, 'dead-letters.jsonl'));
  files.push(suspicious, dead);
  const kafkaRetry = services.retryFor('kafka', brokers, 'Kafka write');
  // Up to 2 000 alerts a request: in a backlog, fewer round trips and less CPU per alert. Requests
  // form as a group commit (toKafka): each holds what came while the previous one ran, the first
  // after an idle spell waits 2 ms (as the rows' transaction), and one starts every 5 ms at most:
  // live, a request of a few alerts cost as much as one of many (docs/performance.md).
  const ALERT_SINK = { retry: kafkaRetry, batch: { size: 2_000, lingerMs: 2, intervalMs: 5 } };
  // Brokers away at start are waited for, as in an outage later (until --max-outage, if set).
  // @platformatic/kafka's producer: about half the CPU per alert of kafkajs's in a thread of its
  // own, which both cores paid for (`npm run bench -- alerts`).
  producer = await createLightProducer(config.kafka, 'vigie', {
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
  const opened = producer;
  files.push({ close: () => opened.close() });
  if (config.rulesTopic !== '') {
    const changes = followRuleChanges({
      brokers: config.kafka,
      ...(config.kafkaSecurity && { security: config.kafkaSecurity }),
      topic: config.rulesTopic,
      rejectedTopic: config.rulesRejectedTopic,
      book,
      log,
    });
    files.push({ close: () => changes.stop() });
    await changes.caughtUp.catch(async (error: unknown) => {
      await Promise.allSettled(files.map((f) => f.close()));
      await services.close();
      throw error;
    });
    log(`Rules followed on ${config.rulesTopic}, refusals to ${config.rulesRejectedTopic || 'the log only'}; in force: ${book.list().map((v) => `${v.id} v${v.rule!.version}${v.rule!.enabled ? '' : ' (disabled)'}`).join(', ') || 'none'}`);
  } else log("Rules from the file only (--rules-topic '')");
  if (models !== undefined && modelsTopic !== '') {
    const changes = followModelChanges({ brokers: config.kafka, ...(config.kafkaSecurity && { security: config.kafkaSecurity }), topic: modelsTopic, slots: models, book, labelsFed, pool: services.db.pool, log });
    files.push({ close: () => changes.stop() });
    await changes.caughtUp.catch(async (error: unknown) => {
      await Promise.allSettled(files.map((f) => f.close()));
      await services.close();
      throw error;
    });
    const inForce = [models.current && `current ${describeModel(models.current)}`, models.shadow && `shadow ${describeModel(models.shadow)}`].filter(Boolean);
    log(`Models followed on ${modelsTopic}; in force: ${inForce.join('; ') || 'none (the rules alone decide)'}`);
  }
  /** How many partitions a transactions topic has, to check that a label sits in its account's. */
  let partitions = (_topic: string): number | undefined => undefined;
  if (labelsFed) {
    // labels stored in PostgreSQL beside their offsets, by a consumer group of their own
    const labels = followLabels({
      brokers: config.kafka,
      ...(config.kafkaSecurity && { security: config.kafkaSecurity }),
      topic: labelsTopic,
      group: `${config.group}-labels`,
      pool: services.db.pool,
      log,
      onLabels: (stored) => log(`labels: ${stored.length} from ${labelsTopic}/${stored[0]!.ref.partition}@${stored[0]!.ref.offset}, e.g. ${stored[0]!.label} of transaction ${stored[0]!.transaction_id} (${stored[0]!.account})`),
    });
    files.push({ close: () => labels.stop() });
    // and forwarded into the transactions topic, each in its account's partition, where the flow
    // reads it at a fixed place among the transactions: the features that read labels step on it
    const forward = forwardLabels({
      brokers: config.kafka,
      ...(config.kafkaSecurity && { security: config.kafkaSecurity }),
      from: labelsTopic,
      to: config.topic,
      retry: services.retryFor('kafka', brokers, 'forwarding labels'),
      log,
    });
    files.push({ close: () => forward.stop() });
    // a label must sit in its account's partition: checked against the partitions the topics have now
    const counts = await retryAsync(services.retryFor('kafka', brokers, 'reading the transactions topics’ partitions'), () =>
      partitionCounts(config.kafka, config.topic, config.kafkaSecurity),
    ).catch(async (error: unknown) => {
      await Promise.allSettled(files.map((f) => f.close()));
      await services.close();
      throw error;
    });
    partitions = (topic) => counts.get(topic);
    log(`Labels from ${labelsTopic} stored in PostgreSQL (table labels) and forwarded into ${config.topic.join(', ')} (group ${forwardGroup(labelsTopic, config.topic)}), where the features that read labels step on them`);
  } else log("Labels read from no topic (--labels-topic '')");
  // Every transaction, as it came, for training (--store-transactions): staged on its first
  // judgement, before its record is acknowledged, so the commit of its offset writes it once; a
  // record read again to rebuild the state after a restore was stored by the run that read it first.
  const storing = config.storeTransactions === true;
  const store = ({ record, revision }: Judged): void => {
    const { ref } = record;
    if ((revision ?? 0) > 0 || isLabel(record.transaction) || offsets.replayed(ref.source, ref.partition, ref.offset)) return;
    const input = staging.inputOf(ref);
    if (input === undefined) return; // a partition fenced or revoked: its next owner stores it
    staging.transaction(storedTransaction(record, input));
  };
  log(storing ? 'Every transaction stored in PostgreSQL (table transactions, --store-transactions)' : 'Suspicious transactions stored, not every one (--store-transactions off)');
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
  // the Rules panel: the rules in force, their hits per minute and latest hits
  const rulesPanel = showRules(book, dashboard);
  files.push({ close: async () => rulesPanel.close() });
  const results$ = acknowledgedTransactions(
    records$.pipe(map((record) => {
      // a record marked `vigie-record` (a forwarded label) is read as such, with its key (labelEvent.ts)
      const kind = record.headers[RECORD_HEADER];
      const message = kind === undefined ? { raw: bytes(record), ref: record.ref, time: record.timestamp } : { raw: bytes(record), ref: record.ref, time: record.timestamp, record: kind, key: record.key, ...withCount(partitions(record.topic)) };
      staging.received(message);
      return { message, ack: record.ack };
    })),
    {
      suspicious: [staging.suspicious, ...(alerting ? [toKafka(opened, alert, ALERT_SINK)] : [])],
      deadLetters: [staging.deadLetters, toKafka(opened, deadLetter, { retry: kafkaRetry })],
      logs: { suspicious: [toJsonlLog(suspicious)], deadLetters: [pipe(map(deadLetterValue), toJsonlLog(dead))] },
    },
    {
      book,
      keys: config.ruleKeys,
      // rows, logs and alerts name the rules that fired (id, version, value, limit)
      explain: true,
      allowedLatenessMs: config.allowedLateness,
      store: rulesState,
      onWatermark: (ref, watermark) => watermarks.advance(ref, watermark),
      onRestored: (restored) => logRestoredRules(restored, log),
      // read again after a restore to rebuild the state: their rows and alerts went out before
      replayed: (ref) => offsets.replayed(ref.source, ref.partition, ref.offset),
      ...(models && { models, measureScoring: (ms: number) => metrics.modelScoring(ms) }),
      onJudged: (judged) => {
        watermarks.touch(judged.record.ref);
        // a label event feeds the features, it is no transaction: not counted, never suspicious
        if (judged.record.transaction.label !== undefined) return;
        if (storing) store(judged);
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
        const { record, reasons, score, fired, revision, model } = judged;
        // hits of first decisions, not of a revision nor of a record read again to rebuild the state
        if (fired !== undefined && (revision ?? 0) === 0 && !offsets.replayed(record.ref.source, record.ref.partition, record.ref.offset)) {
          metrics.ruleHits(fired);
          rulesPanel.hit({ transaction: record.transaction, fired });
        }
        if (!dashboard.watched) return; // no page open: no message built per transaction
        dashboard.publish(suspiciousMessage({ transaction: record.transaction, ref: record.ref, reasons, score, ...(model && { model }) }));
      },
    },
  );
  const written$ = results$.pipe(
    filter((w) => !w.sink.startsWith('staged:')),
    tap({ complete: () => committed$.complete(), error: () => committed$.complete() }),
    mergeWith(committed$),
  );
  return runDetect(config, log, source, written$, files);
}
