/**
 * A {@link BatchProducer} on @platformatic/kafka's producer, for `toKafka`'s alerts and dead
 * letters: about half the CPU per alert of kafkajs in a worker thread, what vigie used before
 * (0.51 ×, all threads, `npm run bench -- alerts` on 2026-12-07), whose produce path groups a
 * request's records with a copy per record (quadratic in a request's size) and encodes each
 * record in several small buffers.
 *
 * It keeps what `toKafka` assumes of a kafkajs producer made by `createProducer`: idempotent, one
 * request at a time (toKafka's `concatMap`), `acks` as asked; keys partitioned as the Java client
 * and kafkajs do (murmur2), so an account's alerts stay on the partition an older vigie chose;
 * each message's partition pinned at its first attempt (a resend is then the same request, which
 * the idempotent broker drops if it already holds it: see pinnedPartitioner.mjs); errors with
 * the fields vigie's outage and too-large checks read (`retriable`, `type`, the cause chain).
 * `disconnect` closes the client and `connect` opens a new one, as toKafka does after an outage.
 */
import { type MessageToProduce, Producer, ProduceAcks, compatibilityPartitioner } from '@platformatic/kafka';
import type { Message, RecordMetadata } from 'kafkajs';
import { type RetryPolicy, retryAsync } from '../../retry.ts';
import { connectFailed } from './outage.ts';
import type { BatchProducer } from './producer.ts';
import type { KafkaSecurity } from './security.ts';

type Outgoing = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;
type Client = Producer<Buffer, Buffer, Buffer, Buffer>;

/** A producer that also ends for good: `close` (the CLI's shutdown), unlike `disconnect` (an outage). */
export interface ClosableProducer extends BatchProducer {
  close(): Promise<void>;
}

const SASL_NAMES = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const;

/** @platformatic/kafka's `tls`, `tlsServerName` and `sasl` for {@link KafkaSecurity}: certificates always verified. */
function securityOptions(security: KafkaSecurity | undefined): object {
  const { tls, sasl } = security ?? {};
  return {
    ...(tls && { tls: { rejectUnauthorized: true, ca: tls.ca, cert: tls.cert, key: tls.key }, ...(tls.servername && { tlsServerName: tls.servername }) }),
    ...(sasl && { sasl: { mechanism: SASL_NAMES[sasl.mechanism], username: sasl.username, password: sasl.password } }),
  };
}

interface PlainFault {
  readonly code?: unknown;
  readonly canRetry?: unknown;
  readonly apiId?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
}

/** Every error in @platformatic/kafka's tree of a failure (its MultipleErrors hold one per broker or attempt). */
function* faults(error: unknown, depth = 0): Generator<PlainFault> {
  if (error === null || typeof error !== 'object' || depth > 8) return;
  const fault = error as PlainFault;
  yield fault;
  if (Array.isArray(fault.errors)) for (const e of fault.errors) yield* faults(e, depth + 1);
  yield* faults(fault.cause, depth + 1);
}

/**
 * The failure as vigie's Kafka checks read it: `retriable` when a network fault or a retriable
 * broker answer is anywhere in the tree and nothing was refused (a wrong password, a denied
 * topic: no wait cures them), `type` the broker's error name (MESSAGE_TOO_LARGE makes toKafka
 * split the batch); the message says every fault of the tree, and the cause is the first fault
 * with a Node error code (a refused certificate, a refused connection), for `connectFailed`.
 */
function asKafkaError(error: unknown): Error {
  const all = [...faults(error)];
  const refused = all.some((f) => f.code === 'PLT_KFK_AUTHENTICATION' || /SASL|AUTHORIZATION_FAILED/.test(String(f.apiId)));
  const retriable = !refused && all.some((f) => f.canRetry === true || f.code === 'PLT_KFK_NETWORK' || f.code === 'PLT_KFK_TIMEOUT');
  const type = all.find((f) => typeof f.apiId === 'string')?.apiId as string | undefined;
  const coded = all.find((f) => typeof f.code === 'string' && !String(f.code).startsWith('PLT_KFK_'));
  const said = [...new Set(all.map((f) => (f as Error).message).filter((m) => typeof m === 'string' && m !== ''))].join(': ');
  const wrapped = new Error(said || String(error), { cause: coded ?? error });
  return Object.assign(wrapped, { retriable, ...(type !== undefined && { type }) });
}

/** Header names are few (vigie's alert id): one Buffer each, not one per record. */
const headerNames = new Map<string, Buffer>();
const headerName = (name: string): Buffer => {
  let bytes = headerNames.get(name);
  if (bytes === undefined) headerNames.set(name, (bytes = Buffer.from(name)));
  return bytes;
};

/** kafkajs's Message as a record of bytes, its partition kept if it has one. */
function toRecord(topic: string, { key, value, headers, partition }: Message): Outgoing {
  const record: Outgoing = { topic, value: typeof value === 'string' ? Buffer.from(value) : (value ?? Buffer.alloc(0)) };
  if (key !== null && key !== undefined) record.key = typeof key === 'string' ? Buffer.from(key) : key;
  if (headers) {
    const map = new Map<Buffer, Buffer>();
    for (const name in headers) {
      const v = headers[name];
      if (v !== undefined) map.set(headerName(name), Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
    }
    record.headers = map;
  }
  if (partition !== undefined) record.partition = partition;
  return record;
}

export async function createLightProducer(
  brokers: readonly string[],
  clientId = 'vigie',
  options: { retry?: RetryPolicy; security?: KafkaSecurity } = {},
): Promise<ClosableProducer> {
  const open = (): Client =>
    new Producer<Buffer, Buffer, Buffer, Buffer>({
      clientId,
      bootstrapBrokers: [...brokers],
      idempotent: true,
      autocreateTopics: true,
      // its own retries are short: toKafka's policy waits out an outage of any length
      retries: 3,
      retryDelay: 250,
      ...securityOptions(options.security),
    });
  let client: Client | undefined;
  /** Closed for good (`close`): sends are refused. Not after `disconnect`, an outage's reconnect. */
  let closed = false;
  /** A reconnect after `disconnect`, shared by the sends that find the producer away meanwhile. */
  let reconnecting: Promise<void> | undefined;
  // A keyed record goes where murmur2 of its key says, on every attempt. A keyless one (a dead
  // letter) goes round-robin, its partition written into the record so that a resend keeps it
  // (the producer takes a record's own partition as it is).
  let next = 0;
  const partitioner = (record: Outgoing, key: Buffer | undefined): number =>
    key ? compatibilityPartitioner(record, key) : (record.partition = next++ & 0x7fffffff);
  // The records of a batch are built once, on its first attempt (toKafka resends the same topicMessages).
  const built = new WeakMap<object, Outgoing[]>();
  const producer: ClosableProducer = {
    connect: async () => {
      const fresh = open();
      try {
        await fresh.metadata({ topics: [] });
      } catch (error) {
        await fresh.close().catch(() => {});
        throw asKafkaError(error);
      }
      // connected again while another reconnect won: one client stays open, never two
      const old = client;
      client = fresh;
      await old?.close().catch(() => {});
    },
    disconnect: async () => {
      const old = client;
      client = undefined;
      await old?.close();
    },
    close: () => {
      closed = true;
      return producer.disconnect();
    },
    sendBatch: async ({ acks = -1, topicMessages = [] }) => {
      if (closed) throw Object.assign(new Error('The producer is disconnected'), { retriable: false });
      // The alert and dead-letter sinks share this producer: one of them reconnecting it after an
      // outage (disconnect, then connect) must not fail the other's send in between, which ended
      // the process in `npm run chaos -- --seed 22` ("The producer is disconnected", not retried).
      if (client === undefined) await (reconnecting ??= producer.connect().finally(() => (reconnecting = undefined)));
      if (client === undefined) throw Object.assign(new Error('The producer is disconnected'), { retriable: false });
      let records = built.get(topicMessages);
      if (records === undefined) built.set(topicMessages, (records = topicMessages.flatMap(({ topic, messages }) => messages.map((m) => toRecord(topic, m)))));
      try {
        const { offsets = [] } = await client.send({ messages: records, acks: acks === -1 ? ProduceAcks.ALL : acks, partitioner });
        return offsets.map(({ topic, partition, offset }): RecordMetadata => ({ topicName: topic, partition, errorCode: 0, baseOffset: String(offset) }));
      } catch (error) {
        throw asKafkaError(error);
      }
    },
  };
  const connect = (): Promise<void> =>
    producer.connect().catch((cause: unknown) => {
      throw connectFailed(brokers, cause);
    });
  await (options.retry ? retryAsync(options.retry, connect) : connect());
  return producer;
}
