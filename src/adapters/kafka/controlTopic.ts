/**
 * A compacted control topic followed by every process that reads it: read from the beginning on
 * all partitions, then followed, in a consumer group of its own (unique, never committed to), so
 * no two processes share the records out. The topic is created compacted when missing. What a
 * record means is the caller's (`apply`): the fraud rules (ruleChanges.ts), the models
 * (modelChanges.ts).
 *
 * `caughtUp` resolves once every record the topic held at the start is applied: a flow waits for
 * it before its first transaction, so a restart starts from the same state as the run before.
 * A record `apply` refuses is sent to the rejected topic (its key and JSON), and the reader goes
 * on. Brokers away are waited for, at the start and later, with the one retry policy; the
 * consumer is made anew while they are away, and the records it had already applied are not
 * applied again.
 */
import { randomUUID } from 'node:crypto';
import { type Admin, type Consumer, type EachBatchPayload, Kafka, type KafkaMessage, type Producer, logLevel } from 'kafkajs';
import { VigieError } from '../../errors.ts';
import { type RetryPolicy, defaultRetryPolicy, retryAsync } from '../../retry.ts';
import { consumerRestarts, relaunch } from './consumerRestarts.ts';
import { isKafkaOutage } from './outage.ts';
import { type KafkaSecurity, kafkaSecurityConfig } from './security.ts';

export interface ControlTopicOptions {
  readonly brokers: readonly string[];
  readonly security?: KafkaSecurity;
  readonly topic: string;
  /** Where refused records go; '' (or none) for the log only. */
  readonly rejectedTopic?: string;
  /** How the brokers are waited for; {@link defaultRetryPolicy} (for ever) by default. Kafka outages are retried whatever its `retriable` says. */
  readonly retry?: RetryPolicy;
  readonly log?: (line: string) => void;
  /** `rules`, `models`: what the log lines start with, the client id and group (`vigie-<what>`), and what the topic holds. */
  readonly what: string;
  /** Configs of the topic when it is created here, beside `cleanup.policy=compact` (`max.message.bytes` for large records). */
  readonly topicConfig?: Readonly<Record<string, string>>;
  /** Applies one record, in offset order; a refusal to send to the rejected topic, or nothing. */
  apply(record: ControlRecord): { readonly key: string; readonly value: string; readonly about: string } | undefined;
}

/** A record of a control topic: kafkajs's message with its partition. */
export type ControlRecord = Pick<KafkaMessage, 'offset' | 'key' | 'value' | 'timestamp'> & { readonly partition: number };

export interface ControlTopic {
  /** Resolves once the records the topic held when reading began are applied; rejects on a fault no retry can mend (a refused password). */
  readonly caughtUp: Promise<void>;
  /** Stops following (what was applied stays); resolves once the clients are closed. */
  stop(): Promise<void>;
}

/** How long `stop` waits for refusals still being sent to the rejected topic. */
const REJECTED_FLUSH_MS = 5_000;

export function followControlTopic(options: ControlTopicOptions): ControlTopic {
  const { brokers, topic, what, log = () => {}, retry = defaultRetryPolicy } = options;
  const rejectedTopic = options.rejectedTopic ?? '';
  const kafka = new Kafka({ clientId: `vigie-${what}`, brokers: [...brokers], logLevel: logLevel.NOTHING, ...kafkaSecurityConfig(options.security) });
  const groupId = `vigie-${what}-${randomUUID()}`;
  const waiting: RetryPolicy = {
    ...retry,
    retriable: (error) => !stopping && isKafkaOutage(error),
    onRetry: (error, attempt, ms) => log(`${what}: Kafka at ${brokers.join(',')} unreachable for ${topic} (${(error as Error)?.message ?? error}), retry ${attempt} in ${ms} ms`),
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

  const report = (refusal: ReturnType<ControlTopicOptions['apply']>): void => {
    if (refusal === undefined || rejectedTopic === '' || producer === undefined) return;
    const opened = producer;
    const message = { key: refusal.key, value: refusal.value };
    sending = sending.then(() =>
      retryAsync(waiting, () => opened.send({ topic: rejectedTopic, acks: -1, messages: [message] }).then(() => undefined)).catch((error: unknown) =>
        log(`${what}: could not send the refusal of ${refusal.about} to ${rejectedTopic}: ${(error as Error)?.message ?? error}`),
      ),
    );
  };

  const eachBatch = async ({ batch }: EachBatchPayload): Promise<void> => {
    const { partition } = batch;
    for (const message of batch.messages) {
      if (stopping) return;
      if (Number(message.offset) < (next.get(partition) ?? 0)) continue; // applied before a restart
      report(options.apply({ partition, ...message }));
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
      await ensureControlTopics(admin, topic, rejectedTopic, log, what, options.topicConfig);
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
    ...{ retry, brokers, prefix: what, topic, log, stopping: () => stopping },
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
      const failed = new VigieError('KAFKA_UNAVAILABLE', `cannot read the ${what} of ${topic}: ${(error as Error)?.message ?? error}`, { where: { topic }, cause: error });
      log(`${what}: ${failed.message}`);
      rejectCaughtUp(failed);
    },
  );

  return {
    caughtUp: caughtUp$,
    async stop() {
      stopping = true;
      restarts.stop();
      if (!caughtUp) rejectCaughtUp(new VigieError('SOURCE_FAILED', `stopped before the ${what} of ${topic} were read`, { where: { topic } }));
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
export async function ensureControlTopics(admin: Admin, topic: string, rejectedTopic: string, log: (line: string) => void, what = 'rules', config: Readonly<Record<string, string>> = {}): Promise<void> {
  const existing = await admin.listTopics();
  if (!existing.includes(topic)) {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, ...Object.entries(config).map(([name, value]) => ({ name, value }))] }], waitForLeaders: true });
    log(`${what}: created the control topic ${topic} (compacted)`);
  }
  if (rejectedTopic !== '' && !existing.includes(rejectedTopic)) await admin.createTopics({ topics: [{ topic: rejectedTopic }], waitForLeaders: true });
}
