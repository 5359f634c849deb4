/**
 * `fromKafka`'s commits when the sinks are transactional (the fraud CLI's outputs staged, then
 * written with their offsets, see src/adapters/postgres/outputTransaction.ts): a commit is one
 * transaction of the rows below the positions acknowledged, their offsets and, when due, the
 * state's checkpoint. The transaction is the truth; Kafka's committed offsets follow at most
 * every `commitIntervalMs`, for lag and tools.
 *
 * - One at a time (as {@link offsetCommits}): per-partition order holds, and a transaction never
 *   lands after a newer one.
 * - Group commit: a transaction starts as soon as the previous one is done and something was
 *   acknowledged, after `lingerMs` at most; while one runs the flow judges the next records, so
 *   transactions grow with load.
 * - A partition's rows are first committed with its state (a checkpoint taken at once when it
 *   has none written since its assignment): an output offset in PostgreSQL always has a state
 *   at or below it. Later checkpoints are written in a transaction of their own, once the rows
 *   below their offsets are committed, while the next rows' transactions go on: a checkpoint of
 *   the default rules holds every transaction of the lateness window and took about 1 s, which
 *   every row behind it waited for when it travelled with them (`npm run bench -- fraud`, row
 *   p99 1 166 ms). A restart restores the state's offset S and replays the records up to the rows'
 *   offset R with their outputs dropped, so S < R costs replay, never a row.
 * - A fence refused: the partition is `lost` (the source drops it until the group reassigns it).
 * - A failure (the transaction reports it): the rows stay staged, retried after a backoff;
 *   `fail` for the errors no retry can fix.
 *
 * ```
 * acked     0 1 2       3 4 5 6 7
 * txn       [--0..2--]  [---3..7---]       (one at a time, each holding what was acknowledged meanwhile)
 * kafka                              7     (every commitIntervalMs at most)
 * ```
 */
import type { Checkpoints, Snapshot } from '../../state/checkpoints.ts';
import type { OffsetCommits } from './offsetCommits.ts';
import type { OffsetTracker, TopicPartition, TopicPartitionOffset } from './offsetTracker.ts';

/** The transaction a commit is: implemented by the sink (PostgreSQL), called by the source. */
export interface SinkTransaction {
  /**
   * Writes what was staged for the records below `positions`, with those positions as their
   * partitions' offsets, and the `snapshot` of its `partitions` when given, all in one
   * transaction. Resolves to the partitions whose fence refused (nothing written then), and to
   * those that changed hands here (revoked, restored again) while it ran: before it wrote
   * (nothing written, `committed` not set) or during its COMMIT (`committed`: written, but the
   * outcome is the old assignment's, not to be recorded for the new one).
   */
  commit(
    positions: readonly TopicPartitionOffset[],
    snapshot?: { readonly snapshot: Snapshot; readonly partitions: readonly TopicPartition[] },
  ): Promise<{ readonly fenced: readonly TopicPartition[]; readonly moved?: readonly TopicPartition[]; readonly committed?: boolean }>;
  /** Whether a failed commit may pass by retrying it (an outage), or cannot (a missing table). */
  retriable(error: unknown): boolean;
}

export interface TransactionalCommitsOptions {
  readonly tracker: OffsetTracker;
  readonly transaction: SinkTransaction;
  /** The current consumer's `commitOffsets`. */
  readonly commitOffsets: (offsets: { topic: string; partition: number; offset: string }[]) => Promise<void>;
  readonly log: (line: string) => void;
  readonly state?: Pick<Checkpoints, 'snapshot' | 'write' | 'restoredAt'>;
  readonly checkpointIntervalMs?: number;
  readonly commitIntervalMs: number;
  /** How long an acknowledgement waits for others before a transaction starts. */
  readonly lingerMs?: number;
  /** A fence refused these partitions: another process owns them. */
  readonly lost: (tps: readonly TopicPartition[]) => void;
  /** A transaction committed: records in flight went down. */
  readonly committed: () => void;
  /** A failure no retry can fix (a missing table): the source ends. */
  readonly fail: (error: unknown) => void;
  /** How long Kafka's commit may take before the next one may start. */
  readonly timeoutMs: number;
  readonly now?: () => number;
}

export interface TransactionalCommits extends OffsetCommits {
  /** Something was acknowledged: a transaction starts soon. */
  acked(): void;
  /** Stops the timers. */
  stop(): void;
}

const key = ({ topic, partition }: TopicPartition): string => `${topic}\u0000${partition}`;

/** Backoff after a failed transaction: doubles from 100 ms up to 5 s. */
const backoff = (failures: number): number => Math.min(5_000, 100 * 2 ** Math.min(failures - 1, 6));

export function transactionalCommits(options: TransactionalCommitsOptions): TransactionalCommits {
  const { tracker, transaction, commitOffsets, log, state, checkpointIntervalMs = 5_000, commitIntervalMs, lingerMs = 2, now = Date.now } = options;
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  let pending: Snapshot | undefined;
  /** The pending snapshot written in a transaction of its own, after the rows it covers. */
  let writingState: Promise<void> | undefined;
  let lastSnapshot = -Infinity;
  /** Partitions whose state was written with their rows since they came here. */
  const checkpointed = new Set<string>();
  /** What PostgreSQL holds, for Kafka's commits. */
  const written = new Map<string, TopicPartitionOffset>();
  const sent = new Map<string, number>();
  let lastKafka = now();
  let kafka: Promise<void> | undefined;
  let failures = 0;
  let retryAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  /** Whether the last commit had something to write. */
  let attempted = false;

  /** Kafka's commit of what PostgreSQL holds, when due (or `now`: at a rebalance or a stop). */
  const commitKafka = async (force = false): Promise<void> => {
    if (force) await kafka;
    if (kafka !== undefined || (!force && now() - lastKafka < commitIntervalMs)) return;
    const offsets = [...written.values()].filter((o) => tracker.owns(o.topic, o.partition) && sent.get(key(o)) !== o.offset);
    lastKafka = now();
    if (offsets.length === 0) return;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    kafka = Promise.race([
      commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) }))),
      new Promise<never>((_, reject) => (timeout = setTimeout(() => reject(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs))),
    ])
      .then(() => offsets.forEach((o) => sent.set(key(o), o.offset)))
      .catch((error: unknown) => log(`fromKafka: Kafka commit failed (the offsets are in PostgreSQL; retried at the next one): ${(error as Error).message}`))
      .finally(() => {
        clearTimeout(timeout);
        kafka = undefined;
      });
    if (force) await kafka;
  };

  const commitNow = async (periodic: boolean): Promise<void> => {
    await transact();
    // at a rebalance or a stop, the state goes down before the partitions do
    if (!periodic) await writingState;
    await commitKafka(!periodic);
  };

  const transact = async (): Promise<void> => {
    for (const k of checkpointed) {
      const [topic, partition] = k.split('\u0000') as [string, string];
      if (!tracker.owns(topic, Number(partition))) checkpointed.delete(k);
    }
    let positions = tracker.committable();
    const restored = (p: TopicPartition): number | undefined => state?.restoredAt?.(p.topic, p.partition);
    // a partition restored from a state has one written down already
    const hasState = (p: TopicPartition): boolean => checkpointed.has(key(p)) || restored(p) !== undefined;
    // a snapshot of partitions all gone since (revoked, lost) holds nothing to write: the next one is taken
    if (pending !== undefined && !pending.offsets.some(({ topic, partition }) => tracker.owns(topic, partition))) pending = undefined;
    if (state !== undefined && pending === undefined && (now() - lastSnapshot >= checkpointIntervalMs || positions.some((p) => !hasState(p)))) {
      // a position not past the restored state's offset (records skipped as covered) has nothing new
      const at = tracker.positions().filter((p) => p.offset > (restored(p) ?? -1));
      if (at.length > 0) {
        pending = state.snapshot(at);
        lastSnapshot = now();
      }
    }
    let snapshot: { snapshot: Snapshot; partitions: TopicPartition[] } | undefined;
    if (pending !== undefined && writingState === undefined) {
      const owned = pending.offsets.filter(({ topic, partition }) => tracker.owns(topic, partition));
      if (owned.every(({ topic, partition, offset }) => tracker.acknowledgedBelow(topic, partition, offset))) snapshot = { snapshot: pending, partitions: owned };
    }
    // with the rows only a partition's first state; the others after them (see the module comment)
    const alone = snapshot !== undefined && snapshot.partitions.every(hasState) ? snapshot : undefined;
    if (alone) snapshot = undefined;
    const withState = new Set(snapshot?.partitions.map(key));
    positions = positions.filter((p) => hasState(p) || withState.has(key(p)) || state === undefined);
    attempted = positions.length > 0;
    if (!attempted) {
      // nothing new to write (a backlog read to its end): a snapshot whose rows are in goes alone
      if (alone) writeAlone(alone);
      return;
    }
    try {
      const { fenced, moved = [], committed = moved.length === 0 } = await transaction.commit(positions, snapshot);
      if (snapshot) pending = undefined;
      failures = 0;
      if (fenced.length > 0) {
        options.lost(fenced);
        return;
      }
      // nothing written (a partition changed hands meanwhile): the next transaction, at once
      if (!committed) return;
      const gone = new Set(moved.map(key));
      const kept = gone.size === 0 ? positions : positions.filter((p) => !gone.has(key(p)));
      tracker.markCommitted(kept);
      for (const p of kept) written.set(key(p), p);
      for (const k of withState) if (!gone.has(k)) checkpointed.add(k);
      options.committed();
      if (alone) writeAlone(alone);
    } catch (error) {
      // the snapshot's keys were given back by the transaction: a new one is taken next time
      if (snapshot) pending = undefined;
      failures++;
      retryAt = now() + backoff(failures);
      // the transaction says what failed (it knows the database); here, only whether to go on
      if (!transaction.retriable(error)) options.fail(error);
    }
  };

  /** Writes a snapshot whose rows are committed; its keys go with the next one if it fails. */
  const writeAlone = (taken: { snapshot: Snapshot; partitions: TopicPartition[] }): void => {
    const offsets = new Map(taken.snapshot.offsets.map((o) => [key(o), o.offset]));
    const covered = taken.partitions.filter((p) => tracker.owns(p.topic, p.partition) && (written.get(key(p))?.offset ?? -1) >= (offsets.get(key(p)) ?? Infinity));
    if (covered.length === 0) {
      pending = undefined;
      return;
    }
    writingState = state!
      .write(taken.snapshot, covered)
      .catch((error: unknown) => log(`fromKafka: state checkpoint failed, its keys go with the next one: ${(error as Error).message}`))
      .finally(() => {
        pending = undefined;
        writingState = undefined;
      });
  };

  const commit = (periodic = false): Promise<void> => {
    queued++;
    chain = chain.then(() => commitNow(periodic)).catch((error: unknown) => log(`fromKafka: commit failed: ${(error as Error).message}`)).finally(() => {
      queued--;
      // more was acknowledged meanwhile: the next transaction at once (a partition waiting for
      // its snapshot's records is woken by their acknowledgements instead: no spinning)
      if (queued === 0 && attempted && tracker.committable().length > 0) schedule();
    });
    return chain;
  };

  const schedule = (): void => {
    if (timer !== undefined || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (queued === 0) void commit(true);
    }, Math.max(lingerMs, retryAt - now()));
  };

  return {
    commit,
    acked() {
      if (queued === 0) schedule();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    get queued() {
      return queued;
    },
  };
}
