/**
 * Keyed state with TTL under a million distinct accounts: the rules' per-account state must stay
 * bounded by the accounts active within each rule's TTL, not grow with every account ever seen.
 *
 * A million transactions, each of a new account, 100 per second of event time (so 10 000 s in
 * all); location and z-score keep an account for 1 h here (frequency's 20 min are within it).
 * Prints throughput, the largest state each rule held, and the heap before, during and after.
 * Run: `npm run bench` (node --expose-gc, so the heap figures are after a collection).
 */
import { Observable, lastValueFrom, reduce } from 'rxjs';
import { progress } from '../src/cli/progress.ts';
import { RulesStore, judgeRules } from '../src/operators/rules/index.ts';
import type { TransactionRecord } from '../src/types.ts';
import type { Bench } from './section.ts';

const COUNT = Number(process.env.BENCH_COUNT ?? 1_000_000);
const PER_SECOND = 100;
const gc = (globalThis as { gc?: () => void }).gc;
/** The heap used after a full GC (node --expose-gc, as `npm run bench` runs), in MB. */
export const heapMb = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

async function millionAccounts(): Promise<Record<string, number>> {
  const store = new RulesStore('fraud-rules');
  const state = store.accounts.partition('bench', 0);
  let largest = 0;
  const base = Date.UTC(2026, 0, 1);
  let peak = 0;
  const bar = progress('bench: a million accounts', { total: COUNT });
  const transactions = new Observable<TransactionRecord>((subscriber) => {
    for (let i = 0; i < COUNT && !subscriber.closed; i++) {
      const time = base + Math.floor((i * 1000) / PER_SECOND);
      subscriber.next({
        transaction: {
          id: 1000 + (i % 9000),
          transaction_id: 10_000 + (i % 90_000),
          amount: 100 + (i % 19_900),
          currency: 'XAF',
          timestamp: new Date(time).toISOString().slice(0, 19).replace('T', ' '),
          account: `acct-${i}`,
          location: { lat: 4 + (i % 100) / 100, lon: 9.7, country: 'CM' },
          balanceBefore: 50_000,
          type: 'TRANSFER',
        },
        ref: { source: 'bench', partition: 0, offset: i },
      });
      if (i % 1000 === 0) largest = Math.max(largest, state.size - 1); // less the partition's clock
      if (i > 0 && i % 100_000 === 0) {
        peak = Math.max(peak, heapMb());
        bar.update(i);
      }
    }
    subscriber.complete();
  });
  const before = heapMb();
  const started = performance.now();
  const flagged = await lastValueFrom(
    transactions.pipe(
      judgeRules({
        allowedLatenessMs: 5_000,
        store,
        location: { ttlMs: 3_600_000 },
        zScore: { ttlMs: 3_600_000 },
      }),
      reduce((n, j) => n + (j.reasons.length > 0 ? 1 : 0), 0),
    ),
  );
  bar.update(COUNT);
  bar.finish();
  const seconds = (performance.now() - started) / 1000;
  const after = heapMb();
  return {
    transactions: COUNT,
    'transactions/s': Math.round(COUNT / seconds),
    flagged,
    'largest state (accounts)': largest,
    'accounts active within 1 h of event time': 3_600 * PER_SECOND,
    'heap before (MB)': Math.round(before),
    'largest heap while running, after GC (MB)': Math.round(peak),
    'heap after (MB)': Math.round(after),
  };
}

export const millionAccountsBench: Bench = {
  name: 'rules-ttl',
  async run() {
    const figures = await millionAccounts();
    const bounded = figures['largest state (accounts)']! <= figures['accounts active within 1 h of event time']! * 1.01;
    return {
      title: 'The fraud rules, one million distinct accounts',
      method: 'A million transactions, each of a new account, 100 per second of event time, through every rule in-process; state is forgotten after its TTL (1 h here).',
      figures,
      failures: bounded ? [] : ["the rules' state outgrew its TTL"],
    };
  },
};
