/**
 * What vigie's two Kafka producers share: the producer of the main thread ({@link createProducer})
 * and the one in a worker thread (`producerThread.ts`) are made with the same settings and the
 * same partitioner, and `toKafka` takes either as a {@link BatchProducer}.
 */
import { Kafka, type Producer, logLevel } from 'kafkajs';
import { type RetryPolicy, retryAsync } from '../../retry.ts';
import { connectFailed } from './outage.ts';
import { pinnedPartitioner } from './pinnedPartitioner.mjs';
import { type KafkaSecurity, kafkaSecurityConfig } from './security.ts';

export { pinnedPartitioner } from './pinnedPartitioner.mjs';

/** What `toKafka` needs of a producer. */
export type BatchProducer = Pick<Producer, 'connect' | 'disconnect' | 'sendBatch'>;

/** The settings that make a resend harmless and keep batches in order; `toKafka` assumes them. */
export const PRODUCER_CONFIG = { idempotent: true, maxInFlightRequests: 1 } as const;

/**
 * A connected producer fit for `toKafka`; with `retry`, brokers away at start are waited
 * for as that policy says (its `onRetry` can say which are awaited). kafkajs's own logs are silenced: it logs as
 * errors what it then retries (a fresh broker's "coordinator is loading"), and what it cannot cure
 * reaches the stream as a rejected send anyway. Its internal retries (within 30 s per request)
 * come first, the sink's policy after them. Disconnect it when done.
 */
export async function createProducer(
  brokers: readonly string[],
  clientId = 'vigie',
  options: { retry?: RetryPolicy; security?: KafkaSecurity } = {},
): Promise<Producer> {
  const kafka = new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.NOTHING, ...kafkaSecurityConfig(options.security) });
  const producer = kafka.producer({ ...PRODUCER_CONFIG, createPartitioner: pinnedPartitioner });
  const connect = (): Promise<void> =>
    producer.connect().catch((cause: unknown) => {
      throw connectFailed(brokers, cause);
    });
  await (options.retry ? retryAsync(options.retry, connect) : connect());
  return producer;
}

