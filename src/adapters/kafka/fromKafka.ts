/**
 * A Kafka consumer group as an Observable of {@link KafkaRecord}s that commits only what was
 * acknowledged, and fetches no faster than the stream acknowledges.
 *
 * It is composed of small parts, each with one job:
 * - Commits ({@link offsetCommits}): kafkajs runs with `autoCommit: false`; every
 *   `commitIntervalMs`, on a rebalance and on unsubscribe, the source commits per partition what
 *   {@link OffsetTracker} allows (never past a record not yet acknowledged), one commit at a time.
 *   kafkajs rejoins without awaiting its REBALANCING listeners, so the revoke-time commit is made
 *   in `eachBatch` when its heartbeat reports the rebalance, before kafkajs rejoins.
 * - With `transaction` ({@link transactionalCommits}), a commit is instead the sink's transaction
 *   of the rows staged below the positions acknowledged, with those offsets (the fraud CLI: see
 *   src/adapters/postgres/outputTransaction.ts); Kafka's commits follow, and the backpressure
 *   counts records not yet committed.
 * - Backpressure ({@link createBackpressure}): once `maxInFlight` records are unacknowledged the
 *   batch handler waits until `lowWater` or fewer remain, heartbeating meanwhile. Records emitted
 *   are bounded by `maxInFlight`; raw bytes held by kafkajs by one fetch response.
 * - Rebalances ({@link createRebalance}): revoked partitions leave the tracker and their state is
 *   dropped when the new assignment arrives; kept partitions are sought past what was emitted, so
 *   a record is emitted once per assignment.
 * - State ({@link partitionStates}, used by {@link createBatchHandler}): a partition newly
 *   assigned has its state loaded before its first record is emitted; records below the offset
 *   the state covers are skipped (their results are written), and a committed offset behind it
 *   is read from the state's offset. Commits write the state first.
 * - Outages ({@link createConsumerLifecycle}): once kafkajs gives up on the brokers the consumer
 *   is made anew after a backoff from `retry`, for as long as they are away; records in flight
 *   are forgotten and re-read from the committed offsets (idempotent sinks).
 *
 * `start`: `committed` reads from the committed offsets, from the beginning where there are none;
 * `earliest` reads each partition from its beginning when first assigned (later reassignments
 * resume from the committed offset); `latest` reads from the committed offsets, from the end
 * where there are none (the prototype's behaviour: a new group ignores the backlog).
 *
 * Stopping: when `stop$` emits, no more records are emitted; once those in flight are acknowledged
 * (or `drainTimeoutMs` passed) what was acknowledged is committed, the consumer leaves the group
 * and the Observable completes. Unsubscribing does the same without waiting for acknowledgements,
 * after unsubscribe returns (the process stays alive until it is done). Acknowledgements arriving
 * after the last commit are lost: those records come again after a restart, which idempotent
 * sinks make harmless.
 *
 * ```
 * topic p0  0 1 2 3 ...
 * emitted   0 1 2 3                    (at most maxInFlight unacknowledged)
 * acked       1 0     3
 * commit        2       (every commitIntervalMs: 2, since 2 is not acknowledged)
 * ```
 */
import { Kafka, logLevel } from 'kafkajs';
import { Observable, take } from 'rxjs';
import { VigieError } from '../../errors.ts';
import { type RetryPolicy, defaultRetryPolicy } from '../../retry.ts';
import { isKafkaOutage } from './outage.ts';
import { kafkaRecord } from './kafkaRecord.ts';
import { oncePer } from './oncePer.ts';
import { type OffsetCommits, offsetCommits } from './offsetCommits.ts';
import { OffsetTracker } from './offsetTracker.ts';
import type { KafkaRecord } from './types.ts';
import type { Checkpoints } from '../../state/checkpoints.ts';
import { partitionStates } from './partitionStates.ts';
import { type KafkaSecurity, kafkaSecurityConfig } from './security.ts';
import { checkWaterMarks, createBackpressure } from './backpressure.ts';
import { createRebalance } from './rebalance.ts';
import { createBatchHandler } from './batchHandler.ts';
import { createConsumerLifecycle } from './consumerLifecycle.ts';
import { type SinkTransaction, transactionalCommits } from './transactionalCommits.ts';
import type { TopicPartition } from './offsetTracker.ts';

export interface FromKafkaOptions {
  readonly brokers: string[];
  /** TLS and SASL; none by default (a plaintext broker). */
  readonly security?: KafkaSecurity;
  readonly topics: string[];
  readonly groupId: string;
  /** Where a partition starts; see the module comment. Default `committed`. */
  readonly start?: 'committed' | 'earliest' | 'latest';
  /** Records emitted and not acknowledged above which fetching waits. Default 1000. */
  readonly maxInFlight?: number;
  /** Fetching resumes once this many or fewer are in flight. Default `maxInFlight / 2`. */
  readonly lowWater?: number;
  readonly commitIntervalMs?: number;
  readonly clientId?: string;
  /** How long the group waits for a silent member before giving its partitions away. Default 30 000 (the broker's minimum is 6 000). */
  readonly sessionTimeoutMs?: number;
  /**
   * Stops gracefully when it emits: no more records, then waits (up to `drainTimeoutMs`) for
   * those in flight to be acknowledged, commits, leaves the group and completes.
   */
  readonly stop$?: Observable<unknown>;
  /** Default 10 000. */
  readonly drainTimeoutMs?: number;
  /** Receives kafkajs's warnings and errors, and failed commits. */
  readonly log?: (line: string) => void;
  /**
   * Told, for a batch's last record emitted (and every 100th), how many records of its partition
   * were behind it when it was fetched (the partition's high watermark − 1 − its offset): the
   * consumer lag, for metrics.
   */
  readonly onLag?: (topic: string, partition: number, lag: number) => void;
  /**
   * How the consumer is made anew after kafkajs gave up on the brokers; default
   * {@link defaultRetryPolicy} (for ever). Its `retriable` is not used: {@link isKafkaOutage} decides.
   */
  readonly retry?: RetryPolicy;
  /** Told when the brokers are found away (kafkajs crashed or could not connect). */
  readonly onDown?: (error: unknown) => void;
  /** Told when the consumer is in its group and fetching again (and at every fetch after). */
  readonly onUp?: () => void;
  /**
   * The flow's state, kept with the offsets it covers (src/state/checkpoints.ts): restored before
   * a newly assigned partition's first record, snapshotted every `checkpointIntervalMs` and
   * written once the records below its position are, then those offsets committed; dropped on revoke.
   */
  readonly state?: Checkpoints;
  /** With `state`: how often it is written, and the offsets it covers committed; 5 s by default. */
  readonly checkpointIntervalMs?: number;
  /**
   * Sinks that stage their rows and write them in the commit's transaction with the offsets
   * (see transactionalCommits.ts): a commit starts as soon as the previous one is done and
   * something was acknowledged; `maxInFlight` bounds the records emitted and not yet committed;
   * a partition whose fence refuses is paused and dropped until the group assigns it again (or,
   * when no rebalance comes within the session timeout, read again from PostgreSQL's offset).
   */
  readonly transaction?: SinkTransaction;
}

/** How long a commit may take before the next one may start. */
const COMMIT_TIMEOUT_MS = 10_000;

/** How often a handler waiting for acknowledgements wakes to heartbeat. */
const WAIT_SLICE_MS = 500;

export function fromKafka(options: FromKafkaOptions): Observable<KafkaRecord> {
  const { brokers, topics, groupId, start = 'committed', maxInFlight = 1000, commitIntervalMs = 1000, log = () => {}, retry = defaultRetryPolicy } = options;
  const lowWater = options.lowWater ?? Math.floor(maxInFlight / 2);
  const where = { topics: topics.join(','), groupId };
  checkWaterMarks(maxInFlight, lowWater);

  return new Observable<KafkaRecord>((subscriber) => {
    // While the brokers are away kafkajs says the same thing every second: once per 10 s is enough.
    const quiet = oncePer(10_000, log);
    const tracker = new OffsetTracker();
    const kafka = new Kafka({
      clientId: options.clientId ?? `vigie-${groupId}`,
      brokers,
      ...kafkaSecurityConfig(options.security),
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => quiet(`kafka ${entry.namespace}: ${entry.log.message}`),
    });
    let stopping = false;
    const states = partitionStates(options.state, log, WAIT_SLICE_MS);
    const transaction = options.transaction;
    const backpressure = createBackpressure({ tracker, maxInFlight, lowWater, sliceMs: WAIT_SLICE_MS, ...(transaction ? { count: () => tracker.uncommitted } : {}) });
    /** Partitions a fence refused: paused, emitting nothing, until the next assignment. */
    const lost = new Set<string>();
    const rebalanced = createRebalance({ tracker, states, start, revoked: backpressure.settled });
    const rebalance: typeof rebalanced = {
      ...rebalanced,
      joined(c, payload) {
        rebalanced.joined(c, payload);
        // the group gave them to this consumer again: read (and restored) anew
        const again = [...lost].map(unkey).filter(({ topic, partition }) => payload.memberAssignment[topic]?.includes(partition));
        lost.clear();
        if (again.length > 0) c.resume(again.map(({ topic, partition }) => ({ topic, partitions: [partition] })));
      },
    };
    const sessionTimeoutMs = options.sessionTimeoutMs ?? 30_000;
    const lose = (tps: readonly TopicPartition[]): void => {
      for (const tp of tps) lost.add(keyOf(tp));
      tracker.revoke(tps);
      states.forget(tps);
      const paused = tps.map(({ topic, partition }) => ({ topic, partitions: [partition] }));
      lifecycle.consumer().pause(paused);
      backpressure.settled();
      // A zombie is out of the group by now and rebalances; a process the group still counts as
      // the owner only read an offset another wrote just after (a commit in flight across a
      // rebalance): it reads the partition again, restored from PostgreSQL.
      const again = setTimeout(() => {
        const still = tps.filter((tp) => lost.delete(keyOf(tp)));
        if (still.length > 0 && !stopping) lifecycle.consumer().resume(still.map(({ topic, partition }) => ({ topic, partitions: [partition] })));
      }, sessionTimeoutMs);
      again.unref();
    };

    const commitOffsets = (offsets: { topic: string; partition: number; offset: string }[]) => lifecycle.consumer().commitOffsets(offsets);
    const commits: OffsetCommits & { acked?(): void; stop?(): void } = transaction
      ? transactionalCommits({
          tracker,
          transaction,
          commitOffsets,
          log,
          timeoutMs: COMMIT_TIMEOUT_MS,
          commitIntervalMs,
          ...(options.state ? { state: options.state } : {}),
          ...(options.checkpointIntervalMs !== undefined ? { checkpointIntervalMs: options.checkpointIntervalMs } : {}),
          lost: lose,
          committed: backpressure.settled,
          fail: (cause) => {
            if (stopping) return;
            subscriber.error(cause instanceof VigieError ? cause : new VigieError('SINK_WRITE_FAILED', `the outputs' transaction failed: ${(cause as Error).message}`, { where, cause }));
          },
        })
      : offsetCommits({
          tracker,
          commitOffsets,
          rebalancing: rebalance.rebalancing,
          log,
          timeoutMs: COMMIT_TIMEOUT_MS,
          ...(options.state ? { state: options.state } : {}),
          ...(options.checkpointIntervalMs !== undefined ? { checkpointIntervalMs: options.checkpointIntervalMs } : {}),
        });
    const commit = commits.commit;
    const timer = setInterval(() => {
      if (!stopping && !rebalance.rebalancing() && commits.queued === 0) void commit(true);
    }, commitIntervalMs);

    const acked = (topic: string, partition: number, offset: number): void => {
      tracker.ack(topic, partition, offset);
      backpressure.settled();
      commits.acked?.();
    };
    const batches = createBatchHandler({
      tracker,
      states,
      backpressure,
      commit: () => commit(),
      seek: (topic, partition, offset) => lifecycle.consumer().seek({ topic, partition, offset: String(offset) }),
      stopping: () => stopping,
      lost: (topic, partition) => lost.size > 0 && lost.has(keyOf({ topic, partition })),
      ack: acked,
      emit: (topic, partition, offset, message) => subscriber.next(kafkaRecord(topic, partition, offset, message, () => acked(topic, partition, offset))),
      ...(options.onLag ? { onLag: options.onLag } : {}),
    });

    const lifecycle = createConsumerLifecycle({
      kafka,
      brokers,
      topics,
      groupId,
      fromBeginning: start !== 'latest',
      sessionTimeoutMs,
      retry,
      rebalance,
      eachBatch: batches.eachBatch,
      stopping: () => stopping,
      // `retriable`: whether resubscribing may help (kafkajs already gave up on its own retries).
      fail: (cause) => {
        if (stopping) return;
        const message = cause instanceof Error ? cause.message : String(cause);
        subscriber.error(new VigieError('SOURCE_FAILED', `Kafka consumer failed: ${message}`, { where, cause, retriable: isKafkaOutage(cause) }));
      },
      log,
      ...(options.onDown ? { onDown: options.onDown } : {}),
      ...(options.onUp ? { onUp: options.onUp } : {}),
    });

    let stopped: Promise<void> | undefined;
    const stop = (drainMs: number): Promise<void> =>
      (stopped ??= (async () => {
        stopping = true;
        clearInterval(timer);
        backpressure.stop();
        await lifecycle.stop();
        // Let the handler return, so nothing is emitted after the last commit.
        await batches.returned();
        await backpressure.idle(drainMs);
        await commit();
        commits.stop?.();
        await lifecycle.consumer().disconnect();
      })().catch((error: unknown) => log(`fromKafka: stopping failed: ${(error as Error).message}`)));
    const stopSubscription = options.stop$?.pipe(take(1)).subscribe(() => {
      void stop(options.drainTimeoutMs ?? 10_000).then(() => subscriber.complete());
    });

    return () => {
      stopSubscription?.unsubscribe();
      void stop(0);
    };
  });
}

const keyOf = ({ topic, partition }: TopicPartition): string => `${partition}\u0000${topic}`;
const unkey = (key: string): TopicPartition => {
  const at = key.indexOf('\u0000');
  return { topic: key.slice(at + 1), partition: Number(key.slice(0, at)) };
};
