/**
 * State per key (account) that forgets keys idle for longer than a TTL in event time, so its size
 * stays bounded by the accounts active within the TTL, however many accounts the stream has seen.
 *
 * It relies on being touched in event-time order (as `inEventTimeOrder` guarantees): touches are
 * queued in that order, and each touch evicts from the front of the queue the keys whose latest
 * touch is older than the TTL. Every touch is dequeued once: O(1) amortized per record, so it runs
 * on every record rather than every N.
 */
export class KeyedState<S> {
  private readonly entries = new Map<string, { state: S; last: number }>();
  // Touches in event-time order, oldest first: the eviction queue. A Map iterated from the front
  // would do, but V8 skips the slots of deleted entries on each new iteration, which made every
  // touch cost as much as the deletions since the last rehash (a million accounts: 7 000/s).
  private keys: string[] = [];
  private times: number[] = [];
  private head = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly onSize?: (size: number) => void,
  ) {}

  /** The state of `key` at event time `time` (created with `init` if absent or expired). */
  touch(key: string, time: number, init: () => S): S {
    this.evict(time);
    const entry = this.entries.get(key);
    const state = entry ? entry.state : init();
    if (entry) entry.last = time;
    else this.entries.set(key, { state, last: time });
    this.keys.push(key);
    this.times.push(time);
    this.onSize?.(this.entries.size);
    return state;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.keys = [];
    this.times = [];
    this.head = 0;
  }

  private evict(time: number): void {
    while (this.head < this.keys.length && time - this.times[this.head]! > this.ttlMs) {
      const key = this.keys[this.head]!;
      // only the key's latest touch evicts it; older touches of a key touched since are skipped
      if (this.entries.get(key)?.last === this.times[this.head]) this.entries.delete(key);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
