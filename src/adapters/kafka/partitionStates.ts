/**
 * What `fromKafka` does with a flow's state around each partition's life: load it before the
 * partition's first batch after an assignment, say which offset it covers (records below it are
 * in the state and their results written: skipped), and, once per load, seek back to that offset
 * when the group committed past it (the state was lost, or written by an older vigie). A revoked
 * partition's state is dropped, so a partition kept across a rebalance is never loaded again, and
 * one that comes back is: `loaded` lists every partition whose state is here, emitted from or
 * not, for the source to drop all it lost.
 */
import type { Checkpoints } from '../../state/checkpoints.ts';
import type { TopicPartition } from './offsetTracker.ts';

/** Before a batch: go on with the offset the state covers (if any), or stop here (`retry`/`sought`). */
export type BeforeBatch = { readonly go: true; readonly covered: number | undefined } | { readonly go: false };

export interface PartitionStates {
  /**
   * Loads the partition's state if it is not, then says how to go on with a batch starting at
   * `first`. `untracked`: nothing of the partition was emitted since its assignment.
   */
  beforeBatch(tp: TopicPartition, first: number | undefined, untracked: boolean, seek: (offset: number) => void): Promise<BeforeBatch>;
  /** The partitions left this consumer: their state goes. */
  forget(tps: readonly TopicPartition[]): void;
  /** The partitions whose state is loaded (or being loaded), whether or not they emitted since. */
  loaded(): TopicPartition[];
}

export function partitionStates(state: Checkpoints | undefined, log: (line: string) => void, retryMs: number): PartitionStates {
  /** Partitions whose state is loaded (or being loaded), with the offset it covers. */
  const restored = new Map<string, { readonly tp: TopicPartition; readonly covered: Promise<number | undefined> }>();
  /** Partitions sought back to their state's offset since it was loaded: once, or a reset could loop. */
  const sought = new Set<string>();
  const id = ({ topic, partition }: TopicPartition): string => `${topic}\u0000${partition}`;
  return {
    async beforeBatch(tp, first, untracked, seek) {
      if (state === undefined) return { go: true, covered: undefined };
      let restoring = restored.get(id(tp))?.covered;
      if (restoring === undefined) restored.set(id(tp), { tp, covered: (restoring = state.restore(tp.topic, tp.partition)) });
      let covered: number | undefined;
      try {
        covered = await restoring;
      } catch (error) {
        // The database is away: nothing of this partition may go out without its state.
        restored.delete(id(tp));
        log(`fromKafka: state of ${tp.topic}/${tp.partition} not loaded, retried: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        return { go: false };
      }
      if (covered !== undefined && first !== undefined && first > covered && untracked && !sought.has(id(tp))) {
        sought.add(id(tp));
        // Committed past the state: read again from where the state stops; results already
        // written are written once (idempotent sinks).
        log(`fromKafka: ${tp.topic}/${tp.partition} committed at ${first}, its state covers ${covered}: reading from ${covered}`);
        seek(covered);
        return { go: false };
      }
      return { go: true, covered };
    },
    forget(tps) {
      for (const tp of tps) {
        restored.delete(id(tp));
        sought.delete(id(tp));
      }
      state?.revoke(tps);
    },
    loaded: () => [...restored.values()].map(({ tp }) => tp),
  };
}
