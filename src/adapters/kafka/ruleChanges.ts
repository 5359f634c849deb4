/**
 * The fraud rules changed live: every record of the compacted control topic `transaction.rules`
 * (key: rule id; value: the rule's JSON; a tombstone removes the rule) applied to a
 * {@link RuleBook}, read from the beginning on all partitions, then followed. Every process that
 * judges reads all of it: a consumer group of its own (unique, never committed to), so no two
 * processes share the changes out. The topic is created compacted when missing.
 *
 * `caughtUp` resolves once every record the topic held at the start is applied: a flow waits for
 * it before judging its first transaction, so a restart judges by the same rules as the run
 * before. A refused change (invalid, an older version, bytes that are not UTF-8) is logged with
 * its reason and sent to the rejected topic (`{ id, reason, raw, source, at }`, keyed by the id);
 * the rules in force are untouched and the reader goes on. Brokers away are waited for, at the
 * start and later, with the one retry policy; the consumer is made anew while they are away, and
 * the records it had already applied are not applied again.
 */
import { randomUUID } from 'node:crypto';
import { type Admin, type Consumer, type EachBatchPayload, Kafka, type Producer, logLevel } from 'kafkajs';
import { VigieError } from '../../errors.ts';
import { type RetryPolicy, defaultRetryPolicy, retryAsync } from '../../retry.ts';
import { consumerRestarts, relaunch } from './consumerRestarts.ts';
import type { RuleBook, RuleChangeOutcome } from '../../rules/ruleBook.ts';
import { isKafkaOutage } from './outage.ts';
import { applyRuleRecord, describeOutcome, rejectedJson } from './ruleRecord.ts';
import { type KafkaSecurity, kafkaSecurityConfig } from './security.ts';

export interface RuleChangesOptions {
  readonly brokers: readonly string[];
  readonly security?: KafkaSecurity;
  /** The control topic; `transaction.rules` in the CLI. */
  readonly topic: string;
  /** Where refused changes go; '' (or none) for the log only. */
  readonly rejectedTopic?: string;
  readonly book: RuleBook;
  /** How the brokers are waited for; {@link defaultRetryPolicy} (for ever) by default. Kafka outages are retried whatever its `retriable` says. */
  readonly retry?: RetryPolicy;
  /** One line per change (accepted, removed or refused) and per outage. */
  readonly log?: (line: string) => void;
  /** Told of each change applied or refused, after the log line. */
  readonly onOutcome?: (outcome: RuleChangeOutcome) => void;
}

export interface RuleChanges {
  /** Resolves once the records the topic held when reading began are applied; rejects on a fault no retry can mend (a refused password). */
  readonly caughtUp: Promise<void>;
  /** Stops following (changes already applied stay); resolves once the clients are closed. */
  stop(): Promise<void>;
}

/** How long `stop` waits for refusals still being sent to the rejected topic. */
const REJECTED_FLUSH_MS = 5_000;

export function followRuleChanges(options: RuleChangesOptions): RuleChanges {
  const { brokers, topic, book, log = () => {}, retry = defaultRetryPolicy } = options;
  const rejectedTopic = options.rejectedTopic ?? '';
  const kafka = new Kafka({ clientId: 'vigie-rules', brokers: [...brokers], logLevel: logLevel.NOTHING, ...kafkaSecurityConfig(options.security) });
  const groupId = `vigie-rules-${randomUUID()}`;
  const waiting: RetryPolicy = {
    ...retry,
    retriable: (error) => !stopping && isKafkaOutage(error),
    onRetry: (error, attempt, ms) => log(`rules: Kafka at ${brokers.join(',')} unreachable for ${topic} (${(error as Error)?.message ?? error}), retry ${attempt} in ${ms} ms`),
  };
  let stopping = false;
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let sending: Promise<void> = Promise.resolve();
  /** Per partition, the next offset to apply: a consumer made anew reads from the start and skips what was applied. */
  const next = new Map<number, number>();
  /** Per partition, the end (high watermark) when reading began. */
  const ends = new Map<number, number>();
  let caughtUp = false;
  let resolveCaughtUp!: () => void;
  let rejectCaughtUp!: (error: unknown) => void;
  const caughtUp$ = new Promise<void>((resolve, reject) => {
    resolveCaughtUp = resolve;
    rejectCaughtUp = reject;
  });
  caughtUp$.catch(() => {}); // told to whoever awaits it; not an unhandled rejection when none does

  const checkCaughtUp = (): void => {
    if (caughtUp) return;
    for (const [partition, end] of ends) if ((next.get(partition) ?? 0) < end) return;
    caughtUp = true;
    resolveCaughtUp();
  };

  const report = (outcome: RuleChangeOutcome): void => {
    log(describeOutcome(outcome));
    options.onOutcome?.(outcome);
    if (outcome.accepted || rejectedTopic === '' || producer === undefined) return;
    const opened = producer;
    const message = { key: outcome.change.id, value: rejectedJson(outcome) };
    sending = sending.then(() =>
      retryAsync(waiting, () => opened.send({ topic: rejectedTopic, acks: -1, messages: [message] }).then(() => undefined)).catch((error: unknown) =>
        log(`rules: could not send the refusal of ${outcome.change.id} (${outcome.change.source}) to ${rejectedTopic}: ${(error as Error)?.message ?? error}`),
      ),
    );
  };

  const eachBatch = async ({ batch }: EachBatchPayload): Promise<void> => {
    const { partition } = batch;
    for (const message of batch.messages) {
      if (stopping) return;
      if (Number(message.offset) < (next.get(partition) ?? 0)) continue; // applied before a restart
      report(applyRuleRecord(book, topic, { partition, ...message }));
      next.set(partition, Number(message.offset) + 1);
    }
    // past records compaction removed at the batch's end too
    next.set(partition, Math.max(next.get(partition) ?? 0, Number(batch.lastOffset()) + 1));
    checkCaughtUp();
  };

  /** The topic, compacted when created here, and where it ends now. */
  const prepare = async (): Promise<void> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureRuleTopics(admin, topic, rejectedTopic, log);
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        ends.set(partition, Number(high));
        if (Number(high) === Number(low)) next.set(partition, Math.max(next.get(partition) ?? 0, Number(high)));
      }
    } finally {
      await admin.disconnect().catch(() => {});
    }
    if (rejectedTopic !== '' && producer === undefined) {
      const made = kafka.producer();
      await made.connect();
      producer = made;
    }
  };

  const restarts = consumerRestarts({
    ...{ retry, brokers, prefix: 'rules', topic, log, stopping: () => stopping },
    relaunch: () => void (launching = relaunch(consumer, launch)),
    gaveUp: (cause) => void (caughtUp || rejectCaughtUp(cause)),
  });
  const restart = (cause: unknown): void => restarts.restart(cause);

  const launch = async (): Promise<void> => {
    if (stopping) return;
    const c = kafka.consumer({ groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
    consumer = c;
    c.on(c.events.GROUP_JOIN, () => {
      if (c === consumer) restarts.joined();
    });
    c.on(c.events.CRASH, ({ payload }) => {
      if (c === consumer && !payload.restart) restart(payload.error);
    });
    try {
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({ autoCommit: false, eachBatch });
    } catch (error) {
      restart(error);
    }
  };

  let launching: Promise<void> = retryAsync(waiting, prepare).then(
    () => {
      checkCaughtUp();
      return launch();
    },
    (error: unknown) => {
      if (stopping) return;
      const failed = new VigieError('KAFKA_UNAVAILABLE', `cannot read the rules of ${topic}: ${(error as Error)?.message ?? error}`, { where: { topic }, cause: error });
      log(`rules: ${failed.message}`);
      rejectCaughtUp(failed);
    },
  );

  return {
    caughtUp: caughtUp$,
    async stop() {
      stopping = true;
      restarts.stop();
      if (!caughtUp) rejectCaughtUp(new VigieError('SOURCE_FAILED', `stopped before the rules of ${topic} were read`, { where: { topic } }));
      await launching.catch(() => {});
      await consumer?.disconnect().catch(() => {});
      await Promise.race([sending, new Promise((r) => setTimeout(r, REJECTED_FLUSH_MS).unref())]);
      await producer?.disconnect().catch(() => {});
    },
  };
}

/**
 * The control topic, created compacted (one partition: the changes keep one order) when missing,
 * and the rejected topic ('' for none) made now rather than by the first refusal's send, which
 * kafkajs's producer gives up on while the topic's leader is not known yet.
 */
export async function ensureRuleTopics(admin: Admin, topic: string, rejectedTopic: string, log: (line: string) => void): Promise<void> {
  const existing = await admin.listTopics();
  if (!existing.includes(topic)) {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
    log(`rules: created the control topic ${topic} (compacted)`);
  }
  if (rejectedTopic !== '' && !existing.includes(rejectedTopic)) await admin.createTopics({ topics: [{ topic: rejectedTopic }], waitForLeaders: true });
}
