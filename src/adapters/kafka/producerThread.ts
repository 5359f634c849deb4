/**
 * A kafkajs producer that runs in a worker thread, for `toKafka`: the main thread builds the
 * messages and the worker encodes and sends them. Encoding a produce request (a record per
 * message, varints, CRC-32C, buffer copies) cost the fraud flow more CPU per transaction than
 * any other stage, all of it on the thread that runs the rules; in a worker it runs on the
 * machine's other core, and the rules' thread only copies the messages across.
 *
 * It offers what `toKafka` and the flows use of a kafkajs producer: `connect`, `sendBatch`,
 * `disconnect` (toKafka disconnects and connects again after an outage), and `close`, which
 * disconnects and ends the thread. Errors come back with what vigie's outage and
 * too-large checks read (name, retriable, type, cause), so `toKafka` retries and splits as it
 * does with a producer of its own thread; a resent batch reaches the worker as the same batch,
 * whose messages keep the partitions of their first attempt.
 */
import { Worker } from 'node:worker_threads';
import type { Message, RecordMetadata } from 'kafkajs';
import { VigieError } from '../../errors.ts';
import { type RetryPolicy, retryAsync } from '../../retry.ts';
import { connectFailed, isKafkaOutage } from './outage.ts';
import { type KafkaSecurity, kafkaSecurityConfig } from './security.ts';
import { type BatchProducer, PRODUCER_CONFIG } from './producer.ts';

interface PlainError {
  readonly name?: string;
  readonly message?: string;
  readonly retriable?: boolean;
  readonly type?: string;
  readonly code?: number;
  readonly cause?: PlainError;
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: PlainError };

/** The worker's error as an Error again, with the fields kafkajs errors carry. */
function revive(plain: PlainError): Error {
  const error = new Error(plain.message ?? 'Kafka producer thread failed', plain.cause ? { cause: revive(plain.cause) } : undefined);
  error.name = plain.name ?? 'Error';
  return Object.assign(error, {
    ...(plain.retriable !== undefined && { retriable: plain.retriable }),
    ...(plain.type !== undefined && { type: plain.type }),
    ...(plain.code !== undefined && { code: plain.code }),
  });
}

/** Starts the thread and connects its producer (retried as `options.retry` says, as `createProducer`). */
export interface ThreadedProducer extends BatchProducer {
  /** Disconnects and ends the thread. */
  close(): Promise<void>;
}

export async function createThreadedProducer(
  brokers: readonly string[],
  clientId = 'vigie',
  options: { retry?: RetryPolicy; security?: KafkaSecurity } = {},
): Promise<ThreadedProducer> {
  const worker = new Worker(new URL('./producerThread.worker.mjs', import.meta.url), {
    workerData: { brokers: [...brokers], clientId, config: PRODUCER_CONFIG, security: kafkaSecurityConfig(options.security) },
  });
  // the thread must not keep a stopping process alive
  worker.unref();
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let next = 0;
  let gone: Error | undefined;
  worker.on('message', (reply: Reply) => {
    const call = waiting.get(reply.id);
    if (call === undefined) return;
    waiting.delete(reply.id);
    if (reply.ok) call.resolve(reply.value);
    else call.reject(revive(reply.error));
  });
  const fail = (error: Error): void => {
    gone = error;
    for (const call of waiting.values()) call.reject(error);
    waiting.clear();
  };
  worker.on('error', (error) => fail(new VigieError('SINK_WRITE_FAILED', `the Kafka producer thread failed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => fail(new VigieError('SINK_WRITE_FAILED', `the Kafka producer thread exited (code ${code})`)));
  const call = (request: Record<string, unknown>): Promise<unknown> => {
    if (gone) return Promise.reject(gone);
    const id = next++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.ref(); // a call in flight keeps the process alive
      worker.postMessage({ id, ...request });
    }).finally(() => {
      if (waiting.size === 0) worker.unref();
    });
  };
  // the same topicMessages array on every attempt of a batch (toKafka keeps it): the same batch id
  const batchIds = new WeakMap<object, number>();
  let nextBatch = 0;
  const producer: ThreadedProducer = {
    connect: async () => {
      await call({ op: 'connect' });
    },
    disconnect: async () => {
      await call({ op: 'disconnect' });
    },
    close: async () => {
      if (gone) return;
      try {
        await call({ op: 'disconnect' });
      } finally {
        await worker.terminate();
      }
    },
    sendBatch: async ({ acks, topicMessages = [] }) => {
      let batch = batchIds.get(topicMessages);
      if (batch === undefined) batchIds.set(topicMessages, (batch = nextBatch++));
      return (await call({ op: 'sendBatch', batch, acks, topicMessages: topicMessages as { topic: string; messages: Message[] }[] })) as RecordMetadata[];
    },
  };
  const connect = (): Promise<void> =>
    producer.connect().catch((cause: unknown) => {
      throw connectFailed(brokers, cause);
    });
  try {
    await (options.retry ? retryAsync(options.retry, connect) : connect());
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return producer;
}
