/**
 * Issue 19, finding 3: `decideOnArrival` pushed one (account, time) entry per transaction into
 * its eviction queue and removed it only after the longest TTL, so memory grew with the
 * transactions (about 40 bytes each: 64 MB after 30 days of 2 000 accounts at 20 a day), not
 * with the accounts. The eviction now holds one entry per account.
 */
import { describe, expect, it } from 'vitest';
import { Observable, lastValueFrom, reduce } from 'rxjs';
import { AccountEviction, evictionSize } from '../../../src/operators/rules/accountEviction.ts';
import { RulesStore, judgeRules } from '../../../src/operators/rules/index.ts';
import { seededRandom } from '../../../src/random.ts';
import type { TransactionRecord } from '../../../src/types.ts';

const DAY = 24 * 3_600_000;

describe('AccountEviction', () => {
  const evicted = (eviction: AccountEviction, maxTime: number, ttl: number): string[] => {
    const keys: string[] = [];
    eviction.evict(maxTime, ttl, (key) => keys.push(key));
    return keys;
  };

  it('holds one entry per account however many times it is active', () => {
    const eviction = new AccountEviction();
    for (let t = 0; t < 1000; t++) eviction.touch(`A${t % 3}`, t);
    expect(eviction.size).toBe(3);
  });

  it('evicts the accounts idle longer than the TTL, oldest first, and no other', () => {
    const eviction = new AccountEviction([
      ['B', 20],
      ['A', 10],
    ]);
    eviction.touch('C', 30);
    eviction.touch('A', 40); // active again: no longer the oldest
    expect(evicted(eviction, 51, 30)).toEqual(['B']); // 51 - 20 > 30; C is 21 old
    expect(evicted(eviction, 60, 30)).toEqual([]); // 60 - 30 = 30: not more than the TTL
    expect(evicted(eviction, 71, 30)).toEqual(['C', 'A']);
    expect(eviction.size).toBe(0);
  });

  it('never evicts a live account out of order; one behind it goes when that one does', () => {
    const eviction = new AccountEviction();
    eviction.touch('A', 100);
    eviction.touch('B', 90); // arrived after A, event time before it (within the lateness)
    expect(evicted(eviction, 125, 30)).toEqual([]); // B is idle 35 > 30, but stands behind A, live (25)
    expect(eviction.size).toBe(2);
    expect(evicted(eviction, 131, 30)).toEqual(['A', 'B']);
  });
});

describe('judgeRules: memory bounded by the accounts', () => {
  it('30 days of 10 000 accounts: the eviction and the state hold at most the live accounts, at every day', async () => {
    const ACCOUNTS = 10_000;
    const DAYS = 30;
    const ttl = 7 * DAY; // location and z-score: the longest TTL here
    const lateness = 30_000;
    const random = seededRandom(19);
    // each account active from a day to a later one, twice a day: some leave, some arrive
    const spans = Array.from({ length: ACCOUNTS }, () => {
      const from = random.int(0, DAYS - 1);
      return { from, to: Math.min(DAYS - 1, from + random.int(1, 20)) };
    });
    const base = Date.UTC(2026, 0, 1);
    const store = new RulesStore('fraud-rules');
    const state = store.accounts.partition('test', 0);
    const lastActive = new Map<string, number>();
    const days: { day: number; eviction: number; accounts: number; live: number; mayBeHeld: number }[] = [];
    let transactions = 0;
    const input = new Observable<TransactionRecord>((subscriber) => {
      for (let day = 0; day < DAYS && !subscriber.closed; day++) {
        const today: { account: string; time: number }[] = [];
        spans.forEach(({ from, to }, i) => {
          if (day < from || day > to) return;
          for (let n = 0; n < 2; n++) today.push({ account: `acct-${i}`, time: base + day * DAY + random.int(0, DAY / 1000 - 1) * 1000 });
        });
        today.sort((a, b) => a.time - b.time);
        for (const { account, time } of today) {
          subscriber.next({
            transaction: { id: 1, transaction_id: transactions, amount: 100 + (transactions % 400), currency: 'XAF', timestamp: new Date(time).toISOString().slice(0, 19).replace('T', ' '), account, location: { lat: 4.05, lon: 9.7, country: 'CM' } },
            ref: { source: 'test', partition: 0, offset: transactions++ },
          });
          lastActive.set(account, time);
        }
        const maxTime = today.at(-1)!.time;
        const idle = [...lastActive.values()].map((last) => maxTime - last);
        days.push({
          day,
          eviction: evictionSize(state)!,
          accounts: state.size - 1, // less the partition's clock
          live: idle.filter((t) => t <= ttl).length,
          // an account out of its TTL may be evicted later than that, by at most the lateness
          mayBeHeld: idle.filter((t) => t <= ttl + lateness).length,
        });
      }
      subscriber.complete();
    });
    await lastValueFrom(input.pipe(judgeRules({ allowedLatenessMs: lateness, store, location: { ttlMs: ttl }, zScore: { ttlMs: ttl } }), reduce((n) => n + 1, 0)));
    expect(transactions).toBeGreaterThan(150_000); // tens of transactions per account: a queue per transaction would be far above the accounts
    for (const d of days) {
      expect(d.eviction, `day ${d.day}`).toBeLessThanOrEqual(d.mayBeHeld);
      expect(d.accounts, `day ${d.day}`).toBeLessThanOrEqual(d.mayBeHeld);
      // and no live account forgotten: its history is the point
      expect(d.accounts, `day ${d.day}`).toBeGreaterThanOrEqual(d.live);
    }
    // accounts did leave: the bound is the live accounts, not all accounts ever seen
    expect(days.at(-1)!.accounts).toBeLessThan(lastActive.size);
  });
});
