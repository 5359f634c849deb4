/**
 * The labels forwarded into the transactions topic, as Kafka Streams' repartition topics do: a
 * consumer group of its own reads `transaction.labels` and re-produces each label into every
 * transactions topic, keyed by its account (murmur2, as the transactions' producers partition:
 * it lands in the partition of the account's transactions), its value the label's exact bytes,
 * with the header `vigie-record: label` (read back by labelEvent.ts). There a label holds a fixed
 * place in the partition's order, covered by the partition's checkpoint like any record: after a
 * crash, a restart or a rebalance the flow reads it at the same place, and its features (so its
 * scores) equal an uninterrupted run's. Merging two topics by arrival would not.
 *
 * Exactly once: each batch of a labels partition is one Kafka transaction of its forwarded
 * records and the group's offset after them (`sendOffsets`), by a transactional producer per
 * labels partition (`transactionalId` `<group>-<partition>`, idempotent, one request in flight):
 * the partition's next owner, or the process restarted after a SIGKILL, fences the old one and
 * aborts its open transaction at once, and readers of the transactions topic (read_committed, as
 * kafkajs reads by default) never see an aborted label.
 *
 * Only labels the labels reader stores are forwarded (see labelRecord.ts): a record it refuses is
 * its dead letter there, not forwarded. Brokers away are waited for with the one retry policy.
 */
import { type Admin, type EachBatchPayload, Kafka, type Message, Partitioners, type Producer, logLevel } from 'kafkajs';
import { isRetriable } from '../../errors.ts';
import { type RetryPolicy, defaultRetryPolicy, retryAsync } from '../../retry.ts';
import { restartingConsumer } from './consumerRestarts.ts';
import { LABEL_RECORD, RECORD_HEADER } from './labelEvent.ts';
import { parseLabelRecord } from './labelRecord.ts';
import { isKafkaOutage } from './outage.ts';
import { type KafkaSecurity, kafkaSecurityConfig } from './security.ts';

export interface LabelsForwardOptions {
  readonly brokers: readonly string[];
  readonly security?: KafkaSecurity;
  /** The labels topic (`transaction.labels`). */
  readonly from: string;
  /** The transactions topics: each label goes to its account's partition of every one. */
  readonly to: readonly string[];
  /** The consumer group, and the prefix of the producers' transactional ids; see {@link forwardGroup}. */
  readonly group?: string;
  readonly retry?: RetryPolicy;
  readonly log?: (line: string) => void;
  /** Told of each batch once its transaction committed: how many labels, from where. */
  readonly onForwarded?: (forwarded: { readonly partition: number; readonly labels: number; readonly nextOffset: number }) => void;
}

export interface LabelsForward {
  /** Stops forwarding; resolves once the consumer left its group and the producers are closed. */
  stop(): Promise<void>;
}

/** The header naming where a forwarded label came from: `transaction.labels/2@41`. */
export const LABEL_REF_HEADER = 'vigie-label-ref';

/**
 * One forwarder per (labels topic, transactions topics), whichever detect groups read them: two
 * deployments reading the same topic share it, so a label is forwarded once, not once by each.
 */
export const forwardGroup = (from: string, to: readonly string[]): string => `vigie-labels-forward.${from}.${to.join('+')}`;

export function forwardLabels(options: LabelsForwardOptions): LabelsForward {
  const { brokers, from, to, log = () => {}, retry = defaultRetryPolicy } = options;
  if (to.length === 0) throw new RangeError('forwardLabels: no transactions topic to forward labels to');
  const group = options.group ?? forwardGroup(from, to);
  const kafka = new Kafka({ clientId: 'vigie-labels-forward', brokers: [...brokers], logLevel: logLevel.NOTHING, ...kafkaSecurityConfig(options.security) });
  let stopping = false;
  /** A transactional producer per labels partition this process forwards. */
  const producers = new Map<number, Promise<Producer>>();
  const producerOf = (partition: number): Promise<Producer> => {
    let made = producers.get(partition);
    if (made === undefined) {
      const producer = kafka.producer({ transactionalId: `${group}-${partition}`, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      made = producer.connect().then(() => producer);
      made.catch(() => producers.delete(partition));
      producers.set(partition, made);
    }
    return made;
  };
  const drop = async (partition: number): Promise<void> => {
    const made = producers.get(partition);
    producers.delete(partition);
    await made?.then((p) => p.disconnect()).catch(() => {});
  };
  /** The group's committed offset of a labels partition (-1: none yet). */
  let admin: Promise<Admin> | undefined;
  const committedOffset = async (partition: number): Promise<number> => {
    admin ??= (async () => {
      const made = kafka.admin();
      await made.connect();
      return made;
    })();
    admin.catch(() => (admin = undefined));
    const [offsets] = await (await admin).fetchOffsets({ groupId: group, topics: [from] });
    const offset = offsets?.partitions.find((p) => p.partition === partition)?.offset;
    return offset === undefined ? -1 : Number(offset);
  };
  const waiting = (what: string): RetryPolicy => ({
    ...retry,
    retriable: (error) => !stopping && (isRetriable(error) || isKafkaOutage(error) || (error as { retriable?: boolean })?.retriable === true || (error as Error)?.name?.startsWith('KafkaJS') === true),
    onRetry: (error, attempt, ms) => log(`labels-forward: ${what} failed (${(error as Error)?.message ?? error}), retry ${attempt} in ${ms} ms`),
  });

  const eachBatch = async ({ batch, heartbeat, resolveOffset, isStale }: EachBatchPayload): Promise<void> => {
    const { partition } = batch;
    if (batch.messages.length === 0 || stopping || isStale()) return;
    const messages: { offset: number; message: Message }[] = [];
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      // the labels reader's own check: what it refuses is its dead letter, never forwarded
      const parsed = parseLabelRecord(message.key, message.value, { source: from, partition, offset }, 0);
      if (!parsed.ok) continue;
      messages.push({ offset, message: { key: message.key!, value: message.value!, headers: { [RECORD_HEADER]: LABEL_RECORD, [LABEL_REF_HEADER]: `${from}/${partition}@${offset}` } } });
    }
    const last = Number(batch.messages.at(-1)!.offset);
    const policy = waiting(`forwarding ${from}/${partition}@${batch.messages[0]!.offset}..${last}`);
    // a partition revoked meanwhile is its next owner's to forward (from the offset last committed)
    let forwarded = 0;
    await retryAsync({ ...policy, retriable: (error) => !isStale() && policy.retriable(error) }, async () => {
      await heartbeat().catch(() => {});
      const producer = await producerOf(partition);
      // the first transaction of a producer fences the partition's previous owner (same
      // transactional id) and waits for its last transaction to end; what that one committed is
      // then in the group's offset, which the batch may predate (fetched before it landed, in a
      // rebalance): those labels are forwarded already (kafkajs sends no group generation with
      // its offsets, KIP-447's guard)
      const transaction = await producer.transaction();
      try {
        const done = await committedOffset(partition);
        const fresh = messages.filter((m) => m.offset >= done).map((m) => m.message);
        forwarded = fresh.length;
        if (fresh.length > 0) await transaction.sendBatch({ acks: -1, topicMessages: to.map((topic) => ({ topic, messages: fresh })) });
        await transaction.sendOffsets({ consumerGroupId: group, topics: [{ topic: from, partitions: [{ partition, offset: String(last + 1) }] }] });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => {});
        // fenced, or its state unknown: a producer made anew takes up the transactional id
        await drop(partition);
        throw error;
      }
    });
    resolveOffset(String(last));
    options.onForwarded?.({ partition, labels: forwarded, nextOffset: last + 1 });
  };

  const reader = restartingConsumer({
    kafka,
    group,
    topic: from,
    retry,
    brokers,
    prefix: 'labels-forward',
    log,
    stopping: () => stopping,
    // the offsets travel in the producers' transactions, never committed apart
    run: { autoCommit: false, eachBatchAutoResolve: false, eachBatch },
  });
  return {
    async stop() {
      stopping = true;
      await reader.stop();
      await Promise.all([...producers.keys()].map(drop));
      await admin?.then((a) => a.disconnect()).catch(() => {});
    },
  };
}

/**
 * How many partitions each of `topics` has now: detect checks that a label sits in its account's
 * partition (labelEvent.ts). Read once, before the first record: the check is then the same
 * whenever a record is read again. A topic that does not exist yet is left out (no check).
 */
export async function partitionCounts(brokers: readonly string[], topics: readonly string[], security?: KafkaSecurity): Promise<Map<string, number>> {
  const admin = new Kafka({ clientId: 'vigie-labels-forward', brokers: [...brokers], logLevel: logLevel.NOTHING, ...kafkaSecurityConfig(security) }).admin();
  const counts = new Map<string, number>();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const known = topics.filter((t) => existing.has(t));
    if (known.length > 0) for (const t of (await admin.fetchTopicMetadata({ topics: known })).topics) counts.set(t.name, t.partitions.length);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  return counts;
}
