/**
 * The prototype's transaction producer, as a deterministic Observable: a client `id` in
 * 1000-9999, a `transaction_id` in 10000-99999, an amount uniform in 100-20000 rounded to 2
 * decimals, in XAF, stamped with local time `YYYY-MM-DD HH:MM:SS`; one per second by default.
 */
import { type Observable, type SchedulerLike, asyncScheduler, interval, map } from 'rxjs';
import { seededRandom } from '../random.ts';
import type { Transaction, TransactionRecord } from '../types.ts';

export interface SimulatedTransactionsOptions {
  /** Transactions per second. */
  readonly rate?: number;
  readonly seed?: number;
  readonly source?: string;
  readonly scheduler?: SchedulerLike;
}

export function simulatedTransactions({
  rate = 1,
  seed = 2,
  source = `simulator:transactions:${new Date().toISOString()}`,
  scheduler = asyncScheduler,
}: SimulatedTransactionsOptions = {}): Observable<TransactionRecord> {
  if (!(rate > 0 && Number.isFinite(rate))) throw new RangeError(`simulatedTransactions: rate must be > 0 per second, got ${rate}`);
  const next = transactionGenerator(seed);
  return interval(1000 / rate, scheduler).pipe(
    map((offset) => ({ transaction: next(scheduler.now()), ref: { source, partition: 0, offset } })),
  );
}

/** The pure part: the next transaction at `time` (epoch ms). */
export function transactionGenerator(seed: number): (time: number) => Transaction {
  const random = seededRandom(seed);
  return (time) => ({
    id: random.int(1000, 9999),
    transaction_id: random.int(10_000, 99_999),
    amount: Math.round(random.uniform(100, 20_000) * 100) / 100,
    currency: 'XAF',
    timestamp: localTimestamp(time),
  });
}

/** `YYYY-MM-DD HH:MM:SS` in the process's local time zone, as Python's `time.strftime` gives. */
export function localTimestamp(time: number): string {
  const d = new Date(time);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
