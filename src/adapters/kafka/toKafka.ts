/**
 * The Kafka sink: batches items, writes each batch with one `sendBatch` and reports it written
 * only once the broker acknowledged it (`acks: -1`), so whatever is derived from the report (a
 * source's commit, a "sent" line) never gets ahead of what Kafka really holds.
 *
 * Batches form as a database's group commit does (`groupCommit`): a request holds everything that
 * arrived while the one before it ran (up to `size`), and the first item after an idle spell
 * waits `lingerMs` at most. Fixed batches (`batch` then `concatMap`) queued behind each other
 * whenever a request took longer than the linger, each small one paying a whole round trip (at
 * 5 000 transactions/s on six partitions, judged → alert acknowledged took 329 ms at the p99:
 * docs/performance.md, "Stage by stage").
 *
 * The producer is idempotent with one request in flight (`createProducer`, producer.ts): when a batch is
 * sent again after a lost reply, the broker drops the duplicate, and batches land in order. While
 * the brokers are away the batch is retried whole with the {@link RetryPolicy} (the producer
 * reconnected first once kafkajs gave up, so an outage of any length is waited out) and later
 * batches wait behind it (one request at a time); errors a retry cannot fix (a record too large, an unknown topic
 * with auto-creation off, a denied write) end the stream with the topic named.
 *
 * ```
 * source:  -ab-c-------d|
 *          toKafka(producer, toMessage, { batch: { size: 500, lingerMs: 2 } })   (each request takes 4 frames)
 * output:  -------x---y-----(z|)
 *
 * x = { sink: 'kafka', items: [a, b], offsets } (a lingered 2 frames: sent 3..7), y = [c] (arrived
 * during x: sent at once, 7..11), z = [d] (the source completed: sent at once, 13..17)
 * ```
 *
 * @example
 * const producer = await createProducer(['127.0.0.1:9092']);
 * alerts$.pipe(toKafka(producer, (a) => ({ topic: 'alerts', key: a.account, value: JSON.stringify(a) })))
 *   .subscribe(({ items }) => items.forEach((a) => a.ack()));
 */
import type { Message, RecordMetadata } from 'kafkajs';
import { type Observable, type OperatorFunction, type SchedulerLike, asyncScheduler, catchError, concat, defer, ignoreElements, map, throwError, timer } from 'rxjs';
import { VigieError } from '../../errors.ts';
import type { BatchProducer } from './producer.ts';
import { isKafkaOutage } from './outage.ts';
import { groupCommit } from '../../operators/groupCommit.ts';
import { type RetryPolicy, defaultRetryPolicy, retryAsync, retryWith } from '../../retry.ts';
import type { Written } from '../../types.ts';

/** What one item becomes in Kafka. Without `partition`, the key decides it (murmur2, as the Java client). */
export interface KafkaMessage {
  readonly topic: string;
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  readonly partition?: number;
}

/** A batch the broker acknowledged: its items in order, and per topic-partition where they landed. */
export interface KafkaWritten<T> extends Written<T> {
  /** One per topic-partition written, with the `baseOffset` of the batch's first record there. */
  readonly offsets: readonly RecordMetadata[];
}

export interface ToKafkaOptions {
  /**
   * At most `size` messages a request; the first after an idle spell waits `lingerMs` at most.
   * `intervalMs` (0 by default): a request starts that long after the previous one started at the
   * earliest, holding what came meanwhile: at most 1000 / `intervalMs` requests a second, each
   * costing a socket write and the broker's round trip, whatever the rate. Default: 500 messages, 5 ms.
   */
  readonly batch?: { readonly size: number; readonly lingerMs: number; readonly intervalMs?: number };
  /** Default: {@link defaultRetryPolicy}, which retries for ever while the brokers are away. */
  readonly retry?: RetryPolicy;
  readonly scheduler?: SchedulerLike;
}

/**
 * @param producer Connected and made by `createProducer` (or with `PRODUCER_CONFIG`).
 * @param toMessage Where and how an item is written; called once per item when its batch goes out, not again on retries.
 * @return One {@link KafkaWritten} per batch (per half of a batch too large for its topic), after the broker acknowledged it, in source order.
 */
export function toKafka<T>(
  producer: BatchProducer,
  toMessage: (item: T) => KafkaMessage,
  options: ToKafkaOptions = {},
): OperatorFunction<T, KafkaWritten<T>> {
  const { retry = defaultRetryPolicy, scheduler = asyncScheduler } = options;
  const { size, lingerMs, intervalMs = 0 } = options.batch ?? { size: 500, lingerMs: 5 };
  if (!(intervalMs >= 0)) throw new RangeError(`toKafka: batch.intervalMs must be >= 0, got ${intervalMs}`);
  return (source) => {
    // Once kafkajs gave up (its retries last about 20 s) its connections stay broken: the next
    // attempt reconnects the producer first, as often as the policy says, until the brokers are back.
    let lost = false;
    const attempt = async (topicMessages: { topic: string; messages: Message[] }[], count: number): Promise<RecordMetadata[]> => {
      if (lost) {
        await producer.disconnect().catch(() => {});
        await producer.connect().catch((cause: unknown) => {
          throw new VigieError('SINK_WRITE_FAILED', `Kafka unreachable: ${(cause as Error)?.message ?? cause}`, { cause, retriable: true });
        });
        lost = false;
      }
      try {
        return await send(producer, topicMessages, count);
      } catch (error) {
        lost = isKafkaOutage((error as VigieError).cause) && (error as VigieError).retriable;
        throw error;
      }
    };
    // A batch the broker finds too large (max.message.bytes bounds a topic's record batch, not
    // only one record) is written in halves, in order: several big dead letters must not stop
    // the flow because they happened to travel together.
    // The same Message objects on every attempt: their partitions are pinned to them (pinnedPartitioner).
    const write = (items: T[], messages: KafkaMessage[], grouped?: { topic: string; messages: Message[] }[]): Observable<KafkaWritten<T>> =>
      defer(() => attempt(grouped ??= groupByTopic(messages), items.length)).pipe(
        retryWith(retry, scheduler),
        map((offsets): KafkaWritten<T> => ({ sink: 'kafka', items, offsets })),
        catchError((error: unknown) => {
          if (items.length < 2 || !isTooLarge(error)) return throwError(() => error);
          const half = items.length >> 1;
          return concat(write(items.slice(0, half), messages.slice(0, half)), write(items.slice(half), messages.slice(half)));
        }),
      );
    // The next request waits until `intervalMs` after this one started: this one's reports go out
    // as soon as the broker answers, then the write holds groupCommit's slot for the rest of it.
    const paced = (items: T[]): Observable<KafkaWritten<T>> => {
      if (intervalMs === 0) return write(items, items.map(toMessage));
      const started = scheduler.now();
      return concat(write(items, items.map(toMessage)), defer(() => timer(Math.max(0, started + intervalMs - scheduler.now()), scheduler).pipe(ignoreElements())));
    };
    return source.pipe(groupCommit(paced, { size, lingerMs, scheduler }));
  };
}

/** The broker refused a record batch larger than the topic's `max.message.bytes` (kafkajs may wrap it). */
function isTooLarge(error: unknown): boolean {
  for (let e = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { type?: unknown }).type === 'MESSAGE_TOO_LARGE') return true;
  }
  return false;
}

/** One `messages` list per topic, in first-seen order; within a topic, items keep their order. */
function groupByTopic(messages: readonly KafkaMessage[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, key, value, headers, partition } of messages) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    const message: Message = { key: key ?? null, value };
    if (headers) message.headers = { ...headers };
    if (partition !== undefined) message.partition = partition;
    list.push(message);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
}

async function send(
  producer: BatchProducer,
  topicMessages: { topic: string; messages: Message[] }[],
  count: number,
): Promise<RecordMetadata[]> {
  try {
    return await producer.sendBatch({ acks: -1, topicMessages });
  } catch (cause) {
    const where = { topic: topicMessages.map((t) => t.topic).join(',') };
    const message = `could not write ${count} messages to Kafka: ${(cause as Error)?.message ?? cause}`;
    throw new VigieError('SINK_WRITE_FAILED', message, { where, cause, retriable: isRetriableKafkaError(cause) });
  }
}

/**
 * kafkajs marks transient errors `retriable`; once its own retries run out it wraps the last one
 * in a non-retriable error, which the sink's policy still retries ({@link isKafkaOutage}).
 * A producer someone disconnected says `retriable` too, but it was closed on purpose.
 */
export function isRetriableKafkaError(error: unknown): boolean {
  if ((error as { message?: unknown } | null)?.message === 'The producer is disconnected') return false;
  return isKafkaOutage(error);
}
