/**
 * `fromKafka`'s kafkajs consumer from connect to disconnect, made anew while the brokers are away.
 *
 * kafkajs gives up on the brokers after its own retries (about 20 s, a crash it does not restart,
 * or a failed connect): the consumer is then made anew after a backoff from `retry` and rejoins,
 * for as long as they are away. Records in flight are forgotten (their partitions revoked by
 * {@link Rebalance.crashed}) and read again from the committed offsets (idempotent sinks).
 * kafkajs does not await its listeners, so no commit is started from one: the commit before a
 * rejoin is made in `eachBatch`, where kafkajs waits for it.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { type RetryPolicy, backoffDelay } from '../../retry.ts';
import { isKafkaOutage } from './outage.ts';
import type { Rebalance } from './rebalance.ts';

export interface ConsumerLifecycleOptions {
  readonly kafka: Kafka;
  /** For the log line saying the brokers are away. */
  readonly brokers: readonly string[];
  readonly topics: string[];
  readonly groupId: string;
  readonly fromBeginning: boolean;
  readonly sessionTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly rebalance: Rebalance;
  readonly eachBatch: (payload: EachBatchPayload) => Promise<void>;
  readonly stopping: () => boolean;
  /** A failure no restart may mend (or the retries are spent). */
  readonly fail: (cause: unknown) => void;
  readonly log: (line: string) => void;
  readonly onDown?: (error: unknown) => void;
  readonly onUp?: () => void;
}

export interface ConsumerLifecycle {
  /** The consumer running now (a new one after each restart). */
  consumer(): Consumer;
  /** Makes no new consumer any more; resolves once the one being launched is. */
  stop(): Promise<void>;
}

export function createConsumerLifecycle(options: ConsumerLifecycleOptions): ConsumerLifecycle {
  const { kafka, brokers, topics, groupId, retry, rebalance, eachBatch, stopping, fail, log } = options;
  const sessionTimeout = options.sessionTimeoutMs;
  const heartbeatInterval = Math.min(3000, Math.floor(sessionTimeout / 3));
  let consumer: Consumer;
  let restarts = 0;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;

  const restart = (cause: unknown): void => {
    if (stopping()) return;
    if (!isKafkaOutage(cause) || restarts >= retry.retries) return fail(cause);
    options.onDown?.(cause);
    const ms = backoffDelay(retry, ++restarts);
    log(`fromKafka: Kafka at ${brokers.join(',')} unreachable (${(cause as Error)?.message ?? cause}), consumer restarts in ${ms} ms`);
    const old = consumer;
    restartTimer = setTimeout(() => {
      launching = old.disconnect().catch(() => {}).then(launch);
    }, ms);
  };

  const launch = async (): Promise<void> => {
    if (stopping()) return;
    consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 1000, sessionTimeout, heartbeatInterval });
    listen(consumer);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: options.fromBeginning });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
    } catch (error) {
      restart(error);
    }
  };

  // Events of a consumer already replaced are ignored.
  const listen = (c: Consumer): void => {
    c.on(c.events.REBALANCING, () => {
      if (c === consumer) rebalance.began();
    });
    c.on(c.events.GROUP_JOIN, ({ payload }) => {
      if (c !== consumer) return;
      restarts = 0;
      options.onUp?.();
      rebalance.joined(c, payload);
    });
    c.on(c.events.FETCH, () => {
      if (c === consumer && !rebalance.rebalancing()) options.onUp?.();
    });
    c.on(c.events.CRASH, ({ payload }) => {
      if (c !== consumer) return;
      rebalance.crashed();
      if (!payload.restart) restart(payload.error);
      else {
        options.onDown?.(payload.error);
        log(`fromKafka: consumer crashed, kafkajs restarts it: ${payload.error.message}`);
      }
    });
  };

  let launching: Promise<void> = launch();
  return {
    consumer: () => consumer,
    stop() {
      clearTimeout(restartTimer);
      return launching;
    },
  };
}
