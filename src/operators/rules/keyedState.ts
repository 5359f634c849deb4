/**
 * State per key (account) that forgets keys idle for longer than a TTL in event time, so its size
 * stays bounded by the accounts active within the TTL, however many accounts the stream has seen.
 *
 * It relies on being touched in event-time order (as `inEventTimeOrder` guarantees): a touched key
 * moves to the end of the Map's insertion order, so the idlest keys are at the front and each
 * touch evicts from the front until it finds a live key. Every key is evicted at most once: the
 * eviction costs O(1) amortized per record, so it runs on every record rather than every N.
 */
export class KeyedState<S> {
  private readonly entries = new Map<string, { state: S; last: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly onSize?: (size: number) => void,
  ) {}

  /** The state of `key` at event time `time` (created with `init` if absent or expired). */
  touch(key: string, time: number, init: () => S): S {
    for (const [idle, entry] of this.entries) {
      if (time - entry.last <= this.ttlMs) break;
      this.entries.delete(idle);
    }
    const entry = this.entries.get(key);
    this.entries.delete(key);
    const state = entry ? entry.state : init();
    this.entries.set(key, { state, last: time });
    this.onSize?.(this.entries.size);
    return state;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
