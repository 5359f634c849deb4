/**
 * A consumer's offset commits, one at a time: a commit on rebalance or at stop waits for a
 * periodic one in flight and the other way round, so an older set of offsets never lands after a
 * newer one. A periodic commit queued before a rebalance began does not go out during it, and a
 * commit kafkajs never answers gives up after `timeoutMs`, so it cannot hold the others (and the
 * batch handler waiting on one) for ever. A failed commit is logged; the next one carries its
 * offsets, since {@link OffsetTracker} marks only what was committed.
 */
import type { OffsetTracker } from './offsetTracker.ts';

export interface OffsetCommitsOptions {
  readonly tracker: OffsetTracker;
  /** The current consumer's `commitOffsets`. */
  readonly commitOffsets: (offsets: { topic: string; partition: number; offset: string }[]) => Promise<void>;
  /** True between kafkajs's REBALANCING and the next GROUP_JOIN. */
  readonly rebalancing: () => boolean;
  readonly log: (line: string) => void;
  readonly timeoutMs: number;
  /** Writes the state covering the offsets before they are committed (see src/state/checkpoints.ts). */
  readonly checkpoint?: (offsets: { topic: string; partition: number; offset: number }[]) => Promise<void>;
}

export interface OffsetCommits {
  /** Queues a commit of what the tracker allows; `periodic` ones are skipped during a rebalance. */
  commit(periodic?: boolean): Promise<void>;
  /** Commits queued or in flight. */
  readonly queued: number;
}

export function offsetCommits({ tracker, commitOffsets, rebalancing, log, timeoutMs, checkpoint }: OffsetCommitsOptions): OffsetCommits {
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  const commitNow = async (): Promise<void> => {
    const offsets = tracker.committable();
    if (offsets.length === 0) return;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    try {
      // The state first: a commit without it would let a restart skip records the state lacks.
      await checkpoint?.(offsets);
      await Promise.race([
        commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) }))),
        new Promise((_, reject) => (timeout = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      tracker.markCommitted(offsets);
    } catch (error) {
      log(`fromKafka: commit failed, retried at the next one: ${(error as Error).message}`);
    } finally {
      clearTimeout(timeout);
    }
  };
  return {
    commit(periodic = false) {
      queued++;
      chain = chain.then(() => (periodic && rebalancing() ? undefined : commitNow())).finally(() => queued--);
      return chain;
    },
    get queued() {
      return queued;
    },
  };
}
