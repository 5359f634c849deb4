/**
 * A Kafka consumer group as an Observable of {@link KafkaRecord}s that commits only what was
 * acknowledged, and fetches no faster than the stream acknowledges.
 *
 * Why it is built this way:
 * - Commits: kafkajs runs with `autoCommit: false`; every `commitIntervalMs`, on a rebalance and
 *   on unsubscribe, the source commits per partition what {@link OffsetTracker} allows (never past
 *   a record not yet acknowledged). Partitions lost in a rebalance are dropped from the tracker
 *   when the new assignment arrives, so nothing of theirs is committed by the new generation.
 * - Backpressure: kafkajs prefetches a whole fetch response (up to `maxBytesPerPartition` per
 *   partition), so pausing partitions would still hand out the batch already fetched. Instead the
 *   `eachBatch` handler emits records one at a time and, once `maxInFlight` are unacknowledged,
 *   awaits until `lowWater` or fewer remain, heartbeating meanwhile. Records emitted are thus
 *   bounded by `maxInFlight`; raw bytes held by kafkajs by one fetch response.
 * - Commits go one at a time ({@link offsetCommits}). kafkajs rejoins without awaiting its
 *   REBALANCING listeners, so the revoke-time commit is made in `eachBatch` when its heartbeat
 *   reports the rebalance, before the handler returns and kafkajs rejoins.
 * - Outages: once kafkajs gives up on the brokers (a crash it does not restart, a failed connect)
 *   the consumer is made anew after a backoff from `retry`, for as long as they are away; records
 *   in flight are forgotten and re-read from the committed offsets (idempotent sinks).
 * - State (`state`): a partition newly assigned has its state loaded before its first record is
 *   emitted; records below the offset the state covers are skipped (their results are written),
 *   and a committed offset behind it is read from the state's offset. Commits write the state
 *   first. A revoked partition's state is dropped, emitted from or not (and every one on a new
 *   member id or a crash), so a partition kept is never reloaded and one that comes back is.
 * - Rebalances under kafkajs's eager protocol re-read every kept partition from the broker's
 *   committed offset; kept partitions are sought past what was already emitted, and any record
 *   at or below the last emitted offset is skipped, so a record is emitted once per assignment.
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
import { type Consumer, type EachBatchPayload, Kafka, logLevel } from 'kafkajs';
import { Observable, take } from 'rxjs';
import { VigieError } from '../../errors.ts';
import { type RetryPolicy, backoffDelay, defaultRetryPolicy } from '../../retry.ts';
import { isKafkaOutage } from './outage.ts';
import { kafkaRecord } from './kafkaRecord.ts';
import { oncePer } from './oncePer.ts';
import { offsetCommits } from './offsetCommits.ts';
import { OffsetTracker, type TopicPartition } from './offsetTracker.ts';
import type { KafkaRecord } from './types.ts';
import type { Checkpoints } from '../../state/checkpoints.ts';
import { partitionStates } from './partitionStates.ts';
import { type KafkaSecurity, kafkaSecurityConfig } from './security.ts';

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
}

/** How long a commit may take before the next one may start. */
const COMMIT_TIMEOUT_MS = 10_000;

/** How often a handler waiting for acknowledgements wakes to heartbeat. */
const WAIT_SLICE_MS = 500;

export function fromKafka(options: FromKafkaOptions): Observable<KafkaRecord> {
  const { brokers, topics, groupId, start = 'committed', maxInFlight = 1000, commitIntervalMs = 1000, log = () => {}, retry = defaultRetryPolicy } = options;
  const lowWater = options.lowWater ?? Math.floor(maxInFlight / 2);
  if (!(Number.isInteger(maxInFlight) && maxInFlight >= 1)) {
    throw new RangeError(`fromKafka: maxInFlight must be an integer >= 1, got ${maxInFlight}`);
  }
  if (!(lowWater >= 0 && lowWater < maxInFlight)) throw new RangeError(`fromKafka: lowWater must be in [0, maxInFlight), got ${lowWater}`);
  const where = { topics: topics.join(','), groupId };

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
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    const heartbeatInterval = Math.min(3000, Math.floor(sessionTimeout / 3));
    let consumer: Consumer;
    let stopping = false;
    let memberId: string | undefined;
    let assigned: TopicPartition[] = [];
    /** Between kafkajs's REBALANCING and the next GROUP_JOIN: no periodic commit starts. */
    let rebalancing = false;
    const started = new Set<string>();
    const states = partitionStates(options.state, log, WAIT_SLICE_MS);
    let wake: (() => void) | undefined;
    let batches = 0;
    let batchesDone: (() => void) | undefined;
    let idle: (() => void) | undefined;

    const commits = offsetCommits({
      tracker,
      commitOffsets: (offsets) => consumer.commitOffsets(offsets),
      rebalancing: () => rebalancing,
      log,
      timeoutMs: COMMIT_TIMEOUT_MS,
      ...(options.state ? { state: options.state } : {}),
      ...(options.checkpointIntervalMs !== undefined ? { checkpointIntervalMs: options.checkpointIntervalMs } : {}),
    });
    const commit = commits.commit;
    const timer = setInterval(() => {
      if (!stopping && !rebalancing && commits.queued === 0) void commit(true);
    }, commitIntervalMs);

    /** `retriable`: whether resubscribing may help (kafkajs already gave up on its own retries). */
    const fail = (cause: unknown): void => {
      if (stopping) return;
      const message = cause instanceof Error ? cause.message : String(cause);
      subscriber.error(new VigieError('SOURCE_FAILED', `Kafka consumer failed: ${message}`, { where, cause, retriable: isKafkaOutage(cause) }));
    };

    // kafkajs gives up on the brokers after its own retries (about 20 s): the consumer is then
    // made anew and rejoins, as the policy says, for as long as they are away. Records in flight
    // are forgotten (their partitions revoked) and read again from the committed offsets.
    let restarts = 0;
    let restartTimer: ReturnType<typeof setTimeout> | undefined;
    const restart = (cause: unknown): void => {
      if (stopping) return;
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
      if (stopping) return;
      consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 1000, sessionTimeout, heartbeatInterval });
      listen(consumer);
      try {
        await consumer.connect();
        await consumer.subscribe({ topics, fromBeginning: start !== 'latest' });
        await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
      } catch (error) {
        restart(error);
      }
    };

    const listen = (c: Consumer): void => {
      // kafkajs does not await its listeners, so a commit started here would race the rejoin:
      // the commit before rejoining is made in `eachBatch`, where kafkajs waits for it.
      c.on(c.events.REBALANCING, () => {
        if (c === consumer) rebalancing = true;
      });
      c.on(c.events.GROUP_JOIN, ({ payload }) => {
        if (c !== consumer) return;
        rebalancing = false;
        restarts = 0;
        options.onUp?.();
        const now = Object.entries(payload.memberAssignment).flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })));
        const owned = new Set(now.map(key));
        // Another member id means we were out of the group: anything may have moved meanwhile.
        const same = payload.memberId === memberId;
        const revoked = same ? assigned.filter((tp) => !owned.has(key(tp))) : tracker.partitions();
        tracker.revoke(revoked);
        // Every state loaded here and lost, emitted from or not (a partition whose restore
        // sought back emitted nothing): when it comes back, another member may have moved it on.
        states.forget(states.loaded().filter((tp) => !same || !owned.has(key(tp))));
        if (tracker.inFlight === 0) idle?.();
        memberId = payload.memberId;
        assigned = now;
        for (const tp of now) {
          const last = tracker.lastTracked(tp.topic, tp.partition);
          if (last !== undefined) c.seek({ ...tp, offset: String(last + 1) });
          else if (start === 'earliest' && !started.has(key(tp))) c.seek({ ...tp, offset: '-2' });
          started.add(key(tp));
        }
      });
      c.on(c.events.FETCH, () => {
        if (c === consumer && !rebalancing) options.onUp?.();
      });
      c.on(c.events.CRASH, ({ payload }) => {
        if (c !== consumer) return;
        states.forget(states.loaded());
        tracker.revoke(tracker.partitions());
        idle?.();
        memberId = undefined;
        rebalancing = false;
        if (!payload.restart) restart(payload.error);
        else {
          options.onDown?.(payload.error);
          log(`fromKafka: consumer crashed, kafkajs restarts it: ${payload.error.message}`);
        }
      });
    };

    /** Resolves once `lowWater` or fewer are in flight, or after a slice, or when stopping. */
    const drained = (): Promise<void> =>
      new Promise((resolve) => {
        const t = setTimeout(done, WAIT_SLICE_MS);
        function done(): void {
          clearTimeout(t);
          wake = undefined;
          resolve();
        }
        wake = done;
      });

    const eachBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> => {
      const { topic, partition } = batch;
      let resolved: string | undefined;
      batches += 1;
      try {
        const first = batch.messages[0];
        const before = await states.beforeBatch(
          { topic, partition },
          first === undefined ? undefined : Number(first.offset),
          tracker.lastTracked(topic, partition) === undefined,
          (offset) => consumer.seek({ topic, partition, offset: String(offset) }),
        );
        if (!before.go) return;
        const { covered } = before;
        // kafkajs reads the resolved offset and a seek only between batches, and a seek comes
        // only between our awaits: both once per batch and per wait, not per record, which
        // saves a Long parse and a map lookup on every record.
        if (isStale()) return;
        for (const message of batch.messages) {
          if (tracker.inFlight >= maxInFlight) {
            while (tracker.inFlight > lowWater && !stopping) {
              await drained();
              try {
                await heartbeat();
              } catch (error) {
                await commit(); // a rebalance: still the old generation, so this commit counts
                throw error;
              }
            }
            if (isStale()) return;
          }
          if (stopping || !isRunning()) return;
          const offset = Number(message.offset);
          const last = tracker.lastTracked(topic, partition);
          if (covered !== undefined && offset < covered && (last === undefined || offset > last)) {
            // in the state already, and its results written: done
            tracker.track(topic, partition, offset);
            tracker.ack(topic, partition, offset);
          } else if (last === undefined || offset > last) {
            tracker.track(topic, partition, offset);
            // once per 100 records and at a batch's last: a gauge, not worth a lookup per record
            if (offset % 100 === 0 || message === batch.messages[batch.messages.length - 1]) {
              options.onLag?.(topic, partition, Math.max(0, Number(batch.highWatermark) - 1 - offset));
            }
            subscriber.next(kafkaRecord(topic, partition, offset, message, () => acked(topic, partition, offset)));
          }
          resolved = message.offset;
        }
      } finally {
        if (resolved !== undefined) resolveOffset(resolved);
        batches -= 1;
        if (batches === 0) batchesDone?.();
      }
    };

    const acked = (topic: string, partition: number, offset: number): void => {
      tracker.ack(topic, partition, offset);
      if (tracker.inFlight <= lowWater) wake?.();
      if (tracker.inFlight === 0) idle?.();
    };

    let launching: Promise<void> = launch();

    let stopped: Promise<void> | undefined;
    const stop = (drainMs: number): Promise<void> =>
      (stopped ??= (async () => {
        stopping = true;
        clearInterval(timer);
        clearTimeout(restartTimer);
        wake?.();
        await launching;
        // Let the handler return, so nothing is emitted after the last commit.
        if (batches > 0) await new Promise<void>((resolve) => (batchesDone = resolve));
        if (tracker.inFlight > 0 && drainMs > 0) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, drainMs);
            idle = () => {
              clearTimeout(t);
              resolve();
            };
          });
        }
        await commit();
        await consumer.disconnect();
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

function key({ topic, partition }: TopicPartition): string {
  return `${topic}\u0000${partition}`;
}
