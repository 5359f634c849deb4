/**
 * Which offsets a Kafka source may commit, given acknowledgements that arrive in any order.
 *
 * Sinks acknowledge records out of order (a fast sink overtakes a slow one, batches finish when
 * they finish), but a commit says "everything before this offset is done". So per partition the
 * tracker keeps the emitted offsets in order and commits only up to the first one not yet
 * acknowledged: a commit never jumps a gap. It does no I/O; `fromKafka` drives it.
 *
 * ```
 * tracked   0 1 2 5 6 7      (3, 4 absent: compacted away, or transaction markers)
 * acked     0 1 2 5 _ 7
 * commit    6                (6 is the first offset not acknowledged)
 * ```
 *
 * Offsets tracked for a partition must increase but need not be contiguous. Each offset is
 * queued once and passed once, so tracking and acknowledging cost O(1) amortised.
 */

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** For a commit: the next offset to read, i.e. the last acknowledged one + 1. */
  readonly offset: number;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

interface PartitionState {
  /** Tracked offsets in increasing order; those before `head` are acknowledged and passed. */
  queue: number[];
  head: number;
  /** Tracked offsets not yet acknowledged. */
  unacked: Set<number>;
  /** Every tracked offset up to this one is acknowledged; -1 when none is. */
  ackedThrough: number;
  lastTracked: number;
  /** The last offset handed to `markCommitted`; -1 when none. */
  committed: number;
  /** The first offset emitted and not committed: where {@link OffsetTracker.uncommitted} counts from. */
  base: number;
}

export class OffsetTracker {
  private readonly topics = new Map<string, Map<number, PartitionState>>();
  private unacked = 0;
  private notCommitted = 0;

  /** Records emitted and not yet acknowledged, over all partitions still owned. */
  get inFlight(): number {
    return this.unacked;
  }

  /**
   * Records emitted and not yet committed, over all partitions still owned: the bound of a source
   * whose commit is what writes the outputs (see transactionalCommits.ts). Counted by offsets, so
   * a gap (compacted away, a transaction marker) counts as a record: the bound errs on the safe side.
   */
  get uncommitted(): number {
    return this.notCommitted;
  }

  /** A record was emitted. Offsets of a partition must be tracked in increasing order. */
  track(topic: string, partition: number, offset: number): void {
    const state = this.stateOf(topic, partition, true)!;
    if (offset <= state.lastTracked) {
      throw new RangeError(`offsetTracker: ${topic}/${partition} offset ${offset} tracked after ${state.lastTracked}`);
    }
    state.queue.push(offset);
    state.unacked.add(offset);
    if (state.base < 0) state.base = offset;
    this.notCommitted += offset + 1 - Math.max(state.base, state.lastTracked + 1);
    state.lastTracked = offset;
    this.unacked += 1;
  }

  /** Everything derived from the record is written. Idempotent; unknown offsets are ignored. */
  ack(topic: string, partition: number, offset: number): void {
    const state = this.stateOf(topic, partition, false);
    if (!state || !state.unacked.delete(offset)) return;
    this.unacked -= 1;
    const { queue, unacked } = state;
    let head = state.head;
    while (head < queue.length && !unacked.has(queue[head]!)) {
      state.ackedThrough = queue[head]!;
      head += 1;
    }
    // Drop the passed prefix now and then, so the queue holds only what is in flight.
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    state.head = head;
  }

  /** The highest offset tracked for the partition, or undefined when it is not tracked. */
  lastTracked(topic: string, partition: number): number | undefined {
    const state = this.stateOf(topic, partition, false);
    return state && state.lastTracked >= 0 ? state.lastTracked : undefined;
  }

  /** Per partition, the offset to commit, for partitions that advanced since `markCommitted`. */
  committable(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [topic, partitions] of this.topics) {
      for (const [partition, state] of partitions) {
        const next = state.ackedThrough + 1;
        if (state.ackedThrough >= 0 && next > state.committed) out.push({ topic, partition, offset: next });
      }
    }
    return out;
  }

  /**
   * Per partition whose records went past its last commit, the offset after the last one emitted:
   * where a snapshot of the flow's state stands (every emitted record is in it).
   */
  positions(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [topic, partitions] of this.topics) {
      for (const [partition, state] of partitions) {
        if (state.lastTracked >= 0 && state.lastTracked + 1 > state.committed) out.push({ topic, partition, offset: state.lastTracked + 1 });
      }
    }
    return out;
  }

  /** Whether the partition is tracked (assigned, and not revoked since). */
  owns(topic: string, partition: number): boolean {
    return this.stateOf(topic, partition, false) !== undefined;
  }

  /** Whether every record of the partition below `offset` is acknowledged; false once it is revoked. */
  acknowledgedBelow(topic: string, partition: number, offset: number): boolean {
    const state = this.stateOf(topic, partition, false);
    return state !== undefined && state.ackedThrough + 1 >= offset;
  }

  /** These offsets were committed; partitions revoked meanwhile are ignored. */
  markCommitted(offsets: readonly TopicPartitionOffset[]): void {
    for (const { topic, partition, offset } of offsets) {
      const state = this.stateOf(topic, partition, false);
      if (!state || offset <= state.committed) continue;
      state.committed = offset;
      if (state.base >= 0 && offset > state.base) {
        const upTo = Math.min(offset, state.lastTracked + 1);
        this.notCommitted -= upTo - state.base;
        state.base = upTo;
      }
    }
  }

  /** Forgets the partitions: nothing of theirs is committed any more, their acks are ignored. */
  revoke(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const byPartition = this.topics.get(topic);
      const state = byPartition?.get(partition);
      if (!byPartition || !state) continue;
      this.unacked -= state.unacked.size;
      if (state.base >= 0) this.notCommitted -= state.lastTracked + 1 - state.base;
      byPartition.delete(partition);
      if (byPartition.size === 0) this.topics.delete(topic);
    }
  }

  /** Every partition with tracked offsets. */
  partitions(): TopicPartition[] {
    return [...this.topics].flatMap(([topic, byPartition]) => [...byPartition.keys()].map((partition) => ({ topic, partition })));
  }

  private stateOf(topic: string, partition: number, create: boolean): PartitionState | undefined {
    let byPartition = this.topics.get(topic);
    let state = byPartition?.get(partition);
    if (state || !create) return state;
    if (!byPartition) this.topics.set(topic, (byPartition = new Map()));
    state = { queue: [], head: 0, unacked: new Set(), ackedThrough: -1, lastTracked: -1, committed: -1, base: -1 };
    byPartition.set(partition, state);
    return state;
  }
}
