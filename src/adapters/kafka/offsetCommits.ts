/**
 * A consumer's offset commits, one at a time: a commit on rebalance or at stop waits for a
 * periodic one in flight and the other way round, so an older set of offsets never lands after a
 * newer one. A periodic commit queued before a rebalance began does not go out during it, and a
 * commit kafkajs never answers gives up after `timeoutMs`, so it cannot hold the others (and the
 * batch handler waiting on one) for ever. A failed commit is logged; the next one carries its
 * offsets, since {@link OffsetTracker} marks only what was committed.
 *
 * With a flow's state, commits follow checkpoints: every `intervalMs` (and at a rebalance or a
 * stop) a snapshot of the state is taken at the partitions' positions, and once every record
 * below them is acknowledged it is written, then exactly those offsets are committed. A restart
 * finds the state and the committed offsets at one position (see src/state/checkpoints.ts).
 */
import type { Checkpoints, Snapshot } from '../../state/checkpoints.ts';
import type { OffsetTracker, TopicPartitionOffset } from './offsetTracker.ts';

export interface OffsetCommitsOptions {
  readonly tracker: OffsetTracker;
  /** The current consumer's `commitOffsets`. */
  readonly commitOffsets: (offsets: { topic: string; partition: number; offset: string }[]) => Promise<void>;
  /** True between kafkajs's REBALANCING and the next GROUP_JOIN. */
  readonly rebalancing: () => boolean;
  readonly log: (line: string) => void;
  readonly timeoutMs: number;
  /** The flow's state, written with the offsets it covers before they are committed. */
  readonly state?: Pick<Checkpoints, 'snapshot' | 'write'>;
  /** How often a snapshot of the state is taken; 5 s by default. */
  readonly checkpointIntervalMs?: number;
  readonly now?: () => number;
}

export interface OffsetCommits {
  /** Queues a commit of what the tracker allows; `periodic` ones are skipped during a rebalance. */
  commit(periodic?: boolean): Promise<void>;
  /** Commits queued or in flight. */
  readonly queued: number;
}

export function offsetCommits({ tracker, commitOffsets, rebalancing, log, timeoutMs, state, checkpointIntervalMs = 5_000, now = Date.now }: OffsetCommitsOptions): OffsetCommits {
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  /** A snapshot taken and not yet written: at most one, so that they are written in order. */
  let pending: Snapshot | undefined;
  let lastSnapshot = now();

  const send = async (offsets: TopicPartitionOffset[]): Promise<void> => {
    let timeout: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) }))),
        new Promise((_, reject) => (timeout = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      tracker.markCommitted(offsets);
    } finally {
      clearTimeout(timeout);
    }
  };

  /**
   * Writes the pending snapshot if every record below its offsets is written, then commits them.
   * A partition revoked meanwhile is left out: whether its records were written is not known
   * here any more, and its state is the next owner's.
   */
  const writePending = async (): Promise<void> => {
    if (pending === undefined) return;
    const snapshot = pending;
    const owned = snapshot.offsets.filter(({ topic, partition }) => tracker.owns(topic, partition));
    if (!owned.every(({ topic, partition, offset }) => tracker.acknowledgedBelow(topic, partition, offset))) return;
    pending = undefined;
    if (owned.length === 0) return;
    await state!.write(snapshot, owned);
    await send(owned);
  };

  const commitNow = async (periodic: boolean): Promise<void> => {
    try {
      if (state === undefined) {
        const offsets = tracker.committable();
        if (offsets.length > 0) await send(offsets);
        return;
      }
      await writePending();
      if (pending === undefined && (!periodic || now() - lastSnapshot >= checkpointIntervalMs)) {
        const positions = tracker.positions();
        if (positions.length > 0) {
          pending = state.snapshot(positions);
          lastSnapshot = now();
          await writePending();
        }
      }
    } catch (error) {
      log(`fromKafka: commit failed, retried at the next one: ${(error as Error).message}`);
    }
  };
  return {
    commit(periodic = false) {
      queued++;
      chain = chain.then(() => (periodic && rebalancing() ? undefined : commitNow(periodic))).finally(() => queued--);
      return chain;
    },
    get queued() {
      return queued;
    },
  };
}
