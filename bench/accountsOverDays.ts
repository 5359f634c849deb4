/**
 * Memory over a month of the same accounts: the rules' memory must follow the accounts, not the
 * transactions they make. Issue 19 measured an eviction queue with an entry per transaction, kept
 * for the 30-day TTL: 16 MB of heap after day 1, 37 MB after day 14, 64 MB after day 30.
 *
 * 2 000 accounts, 20 transactions a day each, 30 days of event time (1.2 million transactions),
 * through `judgeRules()` at its defaults in-process; the heap after a full GC (node --expose-gc)
 * and the eviction's size at the end of days 1, 14 and 30.
 * Run: `npm run bench -- rules-days`.
 */
import { Observable, lastValueFrom, reduce } from 'rxjs';
import { progress } from '../src/cli/progress.ts';
import { evictionSize } from '../src/operators/rules/accountEviction.ts';
import { RulesStore, judgeRules } from '../src/operators/rules/index.ts';
import type { TransactionRecord } from '../src/types.ts';
import { heapMb } from './millionAccounts.ts';
import type { Bench } from './section.ts';

const ACCOUNTS = 2_000;
const PER_DAY = 20;
const DAYS = 30;
const DAY = 24 * 3_600_000;
/** Growth allowed from day 1 to day 30 with the accounts unchanged: noise of the GC, not a leak. */
const TARGET_GROWTH_MB = 8;

async function accountsOverDays(): Promise<Record<string, number>> {
  const store = new RulesStore('fraud-rules');
  const state = store.accounts.partition('bench', 0);
  const figures: Record<string, number> = {};
  const base = Date.UTC(2026, 0, 1);
  const perDay = ACCOUNTS * PER_DAY;
  const bar = progress('bench: 30 days of 2 000 accounts', { total: DAYS });
  const transactions = new Observable<TransactionRecord>((subscriber) => {
    for (let day = 0; day < DAYS && !subscriber.closed; day++) {
      for (let i = 0; i < perDay && !subscriber.closed; i++) {
        const offset = day * perDay + i;
        const time = base + day * DAY + Math.floor((i * DAY) / perDay);
        subscriber.next({
          transaction: {
            id: 1000 + (i % ACCOUNTS),
            transaction_id: 10_000 + (offset % 90_000),
            amount: 100 + (offset % 1_900),
            currency: 'XAF',
            timestamp: new Date(time).toISOString().slice(0, 19).replace('T', ' '),
            account: `acct-${i % ACCOUNTS}`,
            location: { lat: 4.05, lon: 9.7, country: 'CM' },
            type: 'TRANSFER',
          },
          ref: { source: 'bench', partition: 0, offset },
        });
      }
      bar.update(day + 1);
      if (day === 0 || day === 13 || day === DAYS - 1) {
        figures[`heap after day ${day + 1}, after GC (MB)`] = Math.round(heapMb());
        figures[`eviction entries after day ${day + 1}`] = evictionSize(state) ?? 0;
      }
    }
    subscriber.complete();
  });
  const started = performance.now();
  await lastValueFrom(transactions.pipe(judgeRules({ store }), reduce((n) => n + 1, 0)));
  bar.finish();
  return { accounts: ACCOUNTS, transactions: DAYS * perDay, 'transactions/s': Math.round((DAYS * perDay) / ((performance.now() - started) / 1000)), ...figures };
}

export const accountsOverDaysBench: Bench = {
  name: 'rules-days',
  async run() {
    const figures = await accountsOverDays();
    const growth = figures[`heap after day ${DAYS}, after GC (MB)`]! - figures['heap after day 1, after GC (MB)']!;
    const failures: string[] = [];
    if (figures[`eviction entries after day ${DAYS}`]! > ACCOUNTS) failures.push(`the eviction holds ${figures[`eviction entries after day ${DAYS}`]} entries for ${ACCOUNTS} accounts`);
    if (growth > TARGET_GROWTH_MB) failures.push(`the heap grew ${growth} MB from day 1 to day ${DAYS} with the accounts unchanged (target: at most ${TARGET_GROWTH_MB})`);
    return {
      title: 'The fraud rules, 30 days of the same 2 000 accounts',
      method: '2 000 accounts × 20 transactions a day for 30 days of event time through judgeRules() at its defaults, in-process; heap after a full GC and eviction entries at the end of days 1, 14 and 30.',
      figures,
      failures,
    };
  },
};
