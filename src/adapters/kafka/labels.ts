/**
 * The labels topic (`transaction.labels`) stored in PostgreSQL: a consumer group of its own
 * (`<group>-labels`) reads every partition, and each batch's labels, its dead letters and the
 * partition's next offset are written in one transaction (see labelRows.ts); the offset is then
 * committed to Kafka too, for lag and tools. On assignment a partition's stored offset is read and
 * records below it are skipped: PostgreSQL's offset is the truth, the unique key the last guard.
 *
 * A record that is not a label (see labelRecord.ts) is a dead letter with its exact bytes and the
 * reason, in `dead_letters`, and the reader goes on. Labels written are told to `onLabels` in
 * offset order per partition (the detect flow can feed them to features that read labels).
 * Brokers and the database away are waited for with the one retry policy.
 */
import { type EachBatchPayload, Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import { isRetriable } from '../../errors.ts';
import { type RetryPolicy, defaultRetryPolicy, retryAsync } from '../../retry.ts';
import { restartingConsumer } from './consumerRestarts.ts';
import type { DeadLetter } from '../../types.ts';
import { storedLabelOffset, writeLabels } from '../postgres/labelRows.ts';
import { type Label, parseLabelRecord } from './labelRecord.ts';
import { isKafkaOutage } from './outage.ts';
import { type KafkaSecurity, kafkaSecurityConfig } from './security.ts';

export interface LabelsOptions {
  readonly brokers: readonly string[];
  readonly security?: KafkaSecurity;
  /** `transaction.labels` in the CLI. */
  readonly topic: string;
  /** The consumer group, also the key of the stored offsets; `vigie-labels` by default. */
  readonly group?: string;
  readonly pool: pg.Pool;
  /** How brokers and the database are waited for; {@link defaultRetryPolicy} (for ever) by default. */
  readonly retry?: RetryPolicy;
  readonly log?: (line: string) => void;
  /** Told of each batch's labels once they are stored, in offset order. */
  readonly onLabels?: (labels: readonly Label[]) => void;
  /** Told of each batch's dead letters once they are stored. */
  readonly onDeadLetters?: (dead: readonly DeadLetter[]) => void;
}

export interface Labels {
  /** Stops reading; resolves once the consumer left its group. */
  stop(): Promise<void>;
}

export function followLabels(options: LabelsOptions): Labels {
  const { brokers, topic, pool, log = () => {}, retry = defaultRetryPolicy } = options;
  const group = options.group ?? 'vigie-labels';
  const kafka = new Kafka({ clientId: 'vigie-labels', brokers: [...brokers], logLevel: logLevel.NOTHING, ...kafkaSecurityConfig(options.security) });
  let stopping = false;
  /** Per partition since its assignment, the offset PostgreSQL holds: records below it are stored. */
  const stored = new Map<number, Promise<number | undefined>>();
  const waiting = (what: string): RetryPolicy => ({
    ...retry,
    retriable: (error) => !stopping && (isRetriable(error) || isKafkaOutage(error)),
    onRetry: (error, attempt, ms) => log(`labels: ${what} failed (${(error as Error)?.message ?? error}), retry ${attempt} in ${ms} ms`),
  });

  const eachBatch = async ({ batch, heartbeat, resolveOffset, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> => {
    const { partition } = batch;
    if (batch.messages.length === 0 || stopping) return;
    let from = stored.get(partition);
    if (from === undefined) stored.set(partition, (from = retryAsync(waiting(`reading ${topic}/${partition}'s stored offset`), () => storedLabelOffset(pool, group, topic, partition))));
    const skipBelow = (await from) ?? 0;
    const labels: Label[] = [];
    const dead: DeadLetter[] = [];
    const now = Date.now();
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (offset < skipBelow) continue; // stored before a restart
      const parsed = parseLabelRecord(message.key, message.value, { source: topic, partition, offset }, now);
      if (parsed.ok) labels.push(parsed.value);
      else dead.push(parsed.dead);
    }
    const last = Number(batch.messages.at(-1)!.offset);
    if (labels.length > 0 || dead.length > 0) {
      const written = await retryAsync(waiting(`storing ${labels.length + dead.length} records of ${topic}/${partition}`), async () => {
        await heartbeat().catch(() => {});
        return writeLabels(pool, { group, topic, partition, nextOffset: last + 1 }, labels, dead);
      });
      for (const d of dead) log(`labels: dead letter ${topic}/${partition}@${d.ref.offset}: ${d.reason}`);
      if (written.labels < labels.length) log(`labels: ${labels.length - written.labels} of ${labels.length} labels of ${topic}/${partition} were stored already (kept once)`);
      if (labels.length > 0) options.onLabels?.(labels);
      if (dead.length > 0) options.onDeadLetters?.(dead);
    }
    stored.set(partition, Promise.resolve(last + 1));
    resolveOffset(String(last));
    await commitOffsetsIfNecessary().catch((error: unknown) => log(`labels: committing ${topic}/${partition}@${last + 1} to Kafka failed (PostgreSQL holds it): ${(error as Error).message}`));
  };

  const reader = restartingConsumer({
    kafka,
    group,
    topic,
    retry,
    brokers,
    prefix: 'labels',
    log,
    stopping: () => stopping,
    run: { autoCommit: true, autoCommitThreshold: 1, eachBatchAutoResolve: false, eachBatch },
    onJoin: () => stored.clear(), // partitions may have moved: read their offsets again
  });
  return {
    async stop() {
      stopping = true;
      await reader.stop();
    },
  };
}
