/**
 * Which accounts of a partition have been idle longer than the rules' longest TTL: one entry per
 * account, its last activity (event time), so that its size follows the accounts held, not the
 * transactions. (A queue with an entry per transaction, kept until the TTL, grew by about 40
 * bytes per transaction: 64 MB after 30 days of 2 000 accounts at 20 a day.)
 *
 * A Map keeps insertion order, and an account is moved to the end on each activity: the order is
 * that of last activity for in-order streams. Out of order within the allowed lateness, an
 * account may stand behind one whose last activity is up to the lateness later: it is evicted
 * when that one is, at most the lateness after its own TTL. Eviction stays exact in what it
 * drops (only accounts idle longer than the TTL, never a live one), and an account idle past a
 * rule's TTL is reset by that rule on its next transaction in any case (`decideOnArrival`).
 */
export class AccountEviction {
  private readonly lastActive = new Map<string, number>();

  /** Accounts held, by their last activity: the restored ones, oldest first. */
  constructor(accounts: Iterable<readonly [string, number]> = []) {
    for (const [key, last] of [...accounts].sort((a, b) => a[1] - b[1])) this.lastActive.set(key, last);
  }

  /** `key` was active; `last` is its newest event time. */
  touch(key: string, last: number): void {
    this.lastActive.delete(key);
    this.lastActive.set(key, last);
  }

  /**
   * Forgets the accounts, from the oldest active, whose last activity is more than `ttl` before
   * `maxTime`, and gives each to `evict`; stops at the first that is not.
   */
  evict(maxTime: number, ttl: number, evict: (key: string) => void): void {
    for (const [key, last] of this.lastActive) {
      if (!(maxTime - last > ttl)) return;
      this.lastActive.delete(key);
      evict(key);
    }
  }

  /** Accounts it holds: at most one entry per account. */
  get size(): number {
    return this.lastActive.size;
  }
}

const byPartition = new WeakMap<object, { readonly size: number }>();

/** @internal how `decideOnArrival` finds a partition state's eviction again: for tests of its size */
export function keepEviction(partition: object, eviction: { readonly size: number }): void {
  byPartition.set(partition, eviction);
}

/** @internal the size of the eviction kept for a partition's state (`store.accounts.partition(...)`), for tests */
export function evictionSize(partition: object): number | undefined {
  return byPartition.get(partition)?.size;
}
