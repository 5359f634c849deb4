/**
 * Keyed state that belongs to the source partitions it was computed from, the way Kafka Streams
 * keeps a state store per task: every key lives in the partition its records come from, so the
 * state of a partition moves with it and can be written down with the offset it covers.
 *
 * Operators read and write it synchronously, on every record, and replace a key's value rather
 * than mutate it. A write only marks its key dirty: a checkpoint takes the dirty keys' current
 * values at a position (every record below it is in them, none after: the flows are synchronous
 * from a record to its state), holds them, immutable, until the records below that position
 * are durably written, and writes them with that offset (see `checkpoints.ts`). No per-record
 * changelog: what a checkpoint costs is the keys that changed since the previous one, once each,
 * serialised (JSON) only when it is written, whatever the number of records.
 */

/** One source partition's keys. */
export class PartitionState<V> {
  private readonly values = new Map<string, V>();
  /** Keys written or deleted since the last snapshot. */
  private dirty = new Set<string>();
  /**
   * Keys made since the last snapshot (absent from it, and not deleted since it): deleted again
   * before the next one, they were never seen by a snapshot and have nothing to write. A
   * transaction held within the lateness and folded before the next checkpoint costs nothing.
   */
  private fresh = new Set<string>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    entries: Iterable<readonly [string, V]> = [],
  ) {
    for (const [key, value] of entries) this.values.set(key, value);
  }

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  /** `value` is the key's new state; it must not be mutated afterwards. */
  set(key: string, value: V): void {
    // absent and not deleted since the last snapshot (then it is dirty): new since that snapshot
    if (!this.values.has(key) && !this.dirty.has(key)) this.fresh.add(key);
    this.values.set(key, value);
    this.dirty.add(key);
  }

  /** The key is forgotten (a TTL ran out, a held transaction was folded). */
  delete(key: string): void {
    if (!this.values.delete(key)) return;
    if (this.fresh.delete(key)) this.dirty.delete(key);
    else this.dirty.add(key);
  }

  /**
   * @internal a value equal to the one written down, rebuilt in another form after a restore (an
   * operator's runtime fields): not a change, nothing to write
   */
  replace(key: string, value: V): void {
    this.values.set(key, value);
  }

  get size(): number {
    return this.values.size;
  }

  entries(): IterableIterator<[string, V]> {
    return this.values.entries();
  }

  /** @internal the dirty keys' values now (undefined: deleted); they are clean from here on */
  takeDirty(): Map<string, V | undefined> {
    const changes = new Map<string, V | undefined>();
    for (const key of this.dirty) changes.set(key, this.values.get(key));
    this.dirty = new Set();
    this.fresh = new Set();
    return changes;
  }

  /** @internal a snapshot of these keys was not written: they go with the next one */
  markDirty(keys: Iterable<string>): void {
    for (const key of keys) this.dirty.add(key);
  }
}

/** What a checkpoint writes for one partition: the keys changed (undefined: deleted) and the offset covered. */
export interface PartitionChanges<V> {
  readonly topic: string;
  readonly partition: number;
  /** The state covers every record below this offset and none after (Kafka's committed-offset convention). */
  readonly offset: number;
  readonly changes: ReadonlyMap<string, V | undefined>;
  /** The write failed: these keys go with the next snapshot. */
  abandon(): void;
}

export class StateStore<V> {
  /** By topic, then partition: no key string built on every record's path. */
  private readonly partitions = new Map<string, Map<number, PartitionState<V>>>();
  /**
   * Rewrites a checkpoint's changes into a smaller equivalent (the operator owning the store sets
   * it): e.g. the rules fold the transactions no record can precede any more. `partition` is the
   * state the changes were taken from.
   */
  compact: ((changes: Map<string, V | undefined>, partition: PartitionState<V>) => void) | undefined;

  /** @param name what the state is, e.g. `fraud-rules`; with the group id, its name in the database. */
  constructor(readonly name: string) {}

  /** The partition's state: empty unless {@link restore}d before its first record. */
  partition(topic: string, partition: number): PartitionState<V> {
    let partitions = this.partitions.get(topic);
    if (partitions === undefined) this.partitions.set(topic, (partitions = new Map()));
    let state = partitions.get(partition);
    if (state === undefined) partitions.set(partition, (state = new PartitionState<V>(topic, partition)));
    return state;
  }

  /** Replaces the partition's state with what was written down for it. */
  restore(topic: string, partition: number, entries: Iterable<readonly [string, V]>): void {
    this.partition(topic, partition); // makes the topic's map
    this.partitions.get(topic)!.set(partition, new PartitionState<V>(topic, partition, entries));
  }

  /** The partition went to another process: its state, and what it had not written, go. */
  drop(topic: string, partition: number): void {
    this.partitions.get(topic)?.delete(partition);
  }

  /**
   * For each partition, the values of the keys changed since its previous snapshot, as they are
   * now, tagged with `offset`: the caller says every record below it, and none after, is in them.
   * The partition's object is kept: abandoning after the partition was dropped or restored
   * touches the old object only.
   */
  snapshot(positions: readonly { topic: string; partition: number; offset: number }[]): PartitionChanges<V>[] {
    return positions.map(({ topic, partition, offset }) => {
      const state = this.partitions.get(topic)?.get(partition);
      if (state === undefined) return { topic, partition, offset, changes: new Map(), abandon: () => {} };
      const changes = state.takeDirty();
      this.compact?.(changes, state);
      return { topic, partition, offset, changes, abandon: () => state.markDirty(changes.keys()) };
    });
  }
}
