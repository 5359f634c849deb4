/**
 * Keyed state that belongs to the source partitions it was computed from, the way Kafka Streams
 * keeps a state store per task: every key lives in the partition its records come from, so the
 * state of a partition moves with it and can be written down with the offset it covers.
 *
 * Operators read and write it synchronously, on every record. Each write is also appended to the
 * partition's changelog with the offset of the record that made it; {@link StateStore.changes}
 * gives the newest value of each key changed by records below an offset, which a checkpoint writes
 * with that offset (see `checkpoints.ts`), and {@link StateStore.confirm} drops them once written.
 *
 * Values are treated as immutable: an operator replaces a key's value rather than mutating it, so
 * the changelog can hold references (no copy per record) and a value is serialised (JSON) only
 * when a checkpoint writes it.
 *
 * A store that no checkpoint will ever read (an operator's own, when none is given) is made with
 * `{ changelog: false }`: its changelog would otherwise hold every write for the life of the
 * process.
 */

/** One source partition's keys. */
export class PartitionState<V> {
  private readonly values = new Map<string, V>();
  /** Writes not yet checkpointed, in the order of their records' offsets. */
  private log: { offset: number; key: string; value: V | undefined }[] = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
    entries: Iterable<readonly [string, V]> = [],
    private readonly changelog = true,
  ) {
    for (const [key, value] of entries) this.values.set(key, value);
  }

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  /** `value` is the key's state after the record at `offset`; it must not be mutated afterwards. */
  set(key: string, value: V, offset: number): void {
    this.values.set(key, value);
    if (this.changelog) this.log.push({ offset, key, value });
  }

  /** The key is forgotten (a TTL ran out) by the record at `offset`. */
  delete(key: string, offset: number): void {
    if (!this.values.delete(key) || !this.changelog) return;
    this.log.push({ offset, key, value: undefined });
  }

  get size(): number {
    return this.values.size;
  }

  entries(): IterableIterator<[string, V]> {
    return this.values.entries();
  }

  /** @internal see {@link StateStore.changes} */
  changesBelow(offset: number): { count: number; changes: Map<string, V | undefined> } {
    const changes = new Map<string, V | undefined>();
    let count = 0;
    while (count < this.log.length && this.log[count]!.offset < offset) {
      const { key, value } = this.log[count]!;
      changes.set(key, value);
      count++;
    }
    return { count, changes };
  }

  /** @internal */
  dropLogged(count: number): void {
    this.log = count >= this.log.length ? [] : this.log.slice(count);
  }
}

/** What a checkpoint writes for one partition: the changed keys (undefined: deleted) and the offset covered. */
export interface PartitionChanges<V> {
  readonly topic: string;
  readonly partition: number;
  /** The state covers every record below this offset (Kafka's committed-offset convention). */
  readonly offset: number;
  readonly changes: ReadonlyMap<string, V | undefined>;
  /** Confirms the write: these changes leave the changelog. */
  confirm(): void;
}

export class StateStore<V> {
  /** By topic, then partition: no key string built on every record's path. */
  private readonly partitions = new Map<string, Map<number, PartitionState<V>>>();
  /**
   * Rewrites a checkpoint's changes into a smaller equivalent (the operator owning the store sets
   * it): e.g. the rules fold the transactions no record can precede any more.
   */
  compact: ((changes: Map<string, V | undefined>) => void) | undefined;

  private readonly changelog: boolean;

  /**
   * @param name what the state is, e.g. `fraud-rules`; with the group id, its name in the database.
   * @param options `changelog: false` for a store never checkpointed: {@link changes} is then always empty.
   */
  constructor(
    readonly name: string,
    options: { readonly changelog?: boolean } = {},
  ) {
    this.changelog = options.changelog ?? true;
  }

  /** The partition's state: empty unless {@link restore}d before its first record. */
  partition(topic: string, partition: number): PartitionState<V> {
    let partitions = this.partitions.get(topic);
    if (partitions === undefined) this.partitions.set(topic, (partitions = new Map()));
    let state = partitions.get(partition);
    if (state === undefined) partitions.set(partition, (state = new PartitionState<V>(topic, partition, [], this.changelog)));
    return state;
  }

  /** Replaces the partition's state with what was written down for it. */
  restore(topic: string, partition: number, entries: Iterable<readonly [string, V]>): void {
    this.partition(topic, partition); // makes the topic's map
    this.partitions.get(topic)!.set(partition, new PartitionState<V>(topic, partition, entries, this.changelog));
  }

  /** The partition went to another process: its state, and what it had not written, go. */
  drop(topic: string, partition: number): void {
    this.partitions.get(topic)?.delete(partition);
  }

  /**
   * For each partition and the offset to cover, the newest value of each key written by records
   * below that offset. The partition's object is kept: a change confirmed after the partition was
   * dropped or restored touches the old object only.
   */
  changes(offsets: readonly { topic: string; partition: number; offset: number }[]): PartitionChanges<V>[] {
    return offsets.map(({ topic, partition, offset }) => {
      const state = this.partitions.get(topic)?.get(partition);
      if (state === undefined) return { topic, partition, offset, changes: new Map(), confirm: () => {} };
      const { count, changes } = state.changesBelow(offset);
      this.compact?.(changes);
      return { topic, partition, offset, changes, confirm: () => state.dropLogged(count) };
    });
  }
}
