/**
 * How a reader of a control topic (rule changes, models) or of the labels makes its kafkajs
 * consumer anew once kafkajs gave up on the brokers: after a backoff from the one retry policy,
 * as long as the fault is an outage and the policy allows; otherwise it stops, saying why.
 * `joined` (the consumer is in its group again) starts the count afresh.
 */
import type { Consumer, ConsumerRunConfig, Kafka } from 'kafkajs';
import { type RetryPolicy, backoffDelay } from '../../retry.ts';
import { isKafkaOutage } from './outage.ts';

export interface ConsumerRestartsOptions {
  readonly retry: RetryPolicy;
  readonly brokers: readonly string[];
  /** `rules: ... the reader of transaction.rules`: who restarts, for the log. */
  readonly prefix: string;
  readonly topic: string;
  readonly log: (line: string) => void;
  readonly stopping: () => boolean;
  /** Makes the consumer anew (the old one disconnected first by the caller's own means). */
  readonly relaunch: () => void;
  /** Told when the reader stops for good. */
  readonly gaveUp?: (cause: unknown) => void;
}

export interface ConsumerRestarts {
  restart(cause: unknown): void;
  joined(): void;
  stop(): void;
}

export function consumerRestarts(options: ConsumerRestartsOptions): ConsumerRestarts {
  const { retry, brokers, prefix, topic, log } = options;
  let restarts = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const message = (cause: unknown): string => (cause as Error)?.message ?? String(cause);
  return {
    restart(cause) {
      if (options.stopping()) return;
      if (!isKafkaOutage(cause) || restarts >= retry.retries) {
        log(`${prefix}: the reader of ${topic} stopped: ${message(cause)}`);
        options.gaveUp?.(cause);
        return;
      }
      const ms = backoffDelay(retry, ++restarts);
      log(`${prefix}: Kafka at ${brokers.join(',')} unreachable (${message(cause)}), the reader of ${topic} restarts in ${ms} ms`);
      timer = setTimeout(options.relaunch, ms);
    },
    joined() {
      restarts = 0;
    },
    stop() {
      clearTimeout(timer);
    },
  };
}

/** The old consumer disconnected (whatever that gives), then `launch`: what `relaunch` usually does. */
export function relaunch(old: { disconnect(): Promise<void> } | undefined, launch: () => Promise<void>): Promise<void> {
  return (old?.disconnect().catch(() => {}) ?? Promise.resolve()).then(launch);
}

export interface RestartingConsumerOptions extends Omit<ConsumerRestartsOptions, 'relaunch'> {
  readonly kafka: Kafka;
  readonly group: string;
  /** How it runs: `eachBatch` and its commit settings. */
  readonly run: ConsumerRunConfig;
  /** Told each time the consumer joined its group (partitions may have moved). */
  readonly onJoin?: () => void;
}

/**
 * A consumer of `topic` (from its beginning, in `group`) made anew after an outage as
 * {@link consumerRestarts} says; `stop` (once the caller's `stopping` says so) leaves the group.
 */
export function restartingConsumer(options: RestartingConsumerOptions): { stop(): Promise<void> } {
  const { kafka, group, topic } = options;
  let consumer: Consumer | undefined;
  const restarts = consumerRestarts({ ...options, relaunch: () => void (launching = relaunch(consumer, launch)) });
  const launch = async (): Promise<void> => {
    if (options.stopping()) return;
    const c = kafka.consumer({ groupId: group, maxWaitTimeInMs: 250, allowAutoTopicCreation: true });
    consumer = c;
    c.on(c.events.GROUP_JOIN, () => {
      if (c !== consumer) return;
      restarts.joined();
      options.onJoin?.();
    });
    c.on(c.events.CRASH, ({ payload }) => {
      if (c === consumer && !payload.restart) restarts.restart(payload.error);
    });
    try {
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run(options.run);
    } catch (error) {
      restarts.restart(error);
    }
  };
  let launching = launch();
  return {
    async stop() {
      restarts.stop();
      await launching.catch(() => {});
      await consumer?.disconnect().catch(() => {});
    },
  };
}
