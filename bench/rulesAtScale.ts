/**
 * 100 rules of the rule language in force over the simulated bank's million customers, beside
 * the 6 default rules: throughput, decision latency (p50, p99) and the heap of the rules' state,
 * through `judgeByRules` (the operator `detect transactions` judges with), in-process.
 *
 * The cameroon profile with 1 000 000 customers (seed 1), the first 200 000 transactions of
 * its first day (about 600 000 in all), straight from the simulator. The 100 rules are generated (counts, sums, means,
 * maxima, minima, distinct counts over windows of 5 min to 1 h, per-terminal keys `["account","terminal"]`,
 * ratios to the account's mean, `where` filters) and checked by the schema, then run four ways:
 * all apply to every transaction; each filtered to one channel by its first `==` (half apply);
 * each to one currency (XAF and 99 others: one applies); and none at all, for the engine's own
 * cost. The rule book indexes rules by their first `==`/`in`, so the cost of a transaction must
 * follow the rules that apply to it, not the number in force.
 *
 * A transaction's decision latency is the time its `next` takes: the source is synchronous and
 * the judgement comes out within it. Throughput is the transactions over the sum of those times
 * (the simulator's own time left out). Heap: after a full GC (node --expose-gc), at the end of
 * the day with the state held, less the heap before.
 * Run: `npm run bench -- rules` (BENCH_RULES_DAYS, BENCH_RULES_CUSTOMERS, BENCH_RULES_SETS to change the workload).
 */
import { Observable, lastValueFrom, reduce } from 'rxjs';
import { labelledTransactions } from '../src/adapters/simulatedBank/simulateBank.ts';
import { progress } from '../src/cli/progress.ts';
import { eventTime } from '../src/operators/rules/eventTime.ts';
import { judgeByRules } from '../src/operators/rules/judgeByRules.ts';
import { defaultRuleFile } from '../src/rules/defaultRules.ts';
import { RuleBook } from '../src/rules/ruleBook.ts';
import { type Filter, type Rule, type Value, checkRuleSet } from '../src/rules/schema.ts';
import type { TransactionRecord } from '../src/types.ts';
import { heapMb } from './millionAccounts.ts';
import type { Bench } from './section.ts';

const CUSTOMERS = Number(process.env.BENCH_RULES_CUSTOMERS ?? 1_000_000);
const DAYS = Number(process.env.BENCH_RULES_DAYS ?? 1);
/** The first transactions of those days that are judged (the day's first 200 000: about its first 11 hours). */
const LIMIT = Number(process.env.BENCH_RULES_TRANSACTIONS ?? 200_000);
const RULES = 100;
/** Checked against `when` by the index: 'all' has none, 'channel' and 'currency' one `==` first. */
export type Spread = 'all' | 'channel' | 'currency';

const WINDOWS = ['5min', '10min', '30min', '1h'];
/** XAF (the simulated bank's) and 99 other ISO 4217 codes. */
const CURRENCIES = ['XAF', ...Intl.supportedValuesOf('currency').filter((c) => c !== 'XAF')].slice(0, RULES);

/** The `i`-th rule's value, comparison and limit: ten kinds in turn, each with its numbers varied by `i`; state kept 1 h, the longest window. */
function body(i: number): Pick<Rule, 'key' | 'value' | 'compare' | 'limit' | 'ttl'> & { when?: Filter[] } {
  const window = WINDOWS[Math.floor(i / 10) % WINDOWS.length]!;
  const vary = Math.floor(i / 10);
  const ttl = '1h';
  const agg = (aggregate: 'count' | 'sum' | 'mean' | 'max' | 'min' | 'distinct', field?: string, extra: object = {}): Value =>
    ({ aggregate, ...(field ? { field } : {}), window, ...extra }) as Value;
  switch (i % 10) {
    case 0:
      return { value: agg('count'), compare: '>', limit: 4 + vary, ttl };
    case 1:
      return { value: agg('sum', 'amount'), compare: '>', limit: 100_000 + 20_000 * vary, ttl };
    case 2:
      return { value: agg('mean', 'amount'), compare: '>', limit: 40_000 + 5_000 * vary, ttl, when: [{ field: 'amount', op: '>=', value: 0 }] };
    case 3:
      return { value: { aggregate: 'max', field: 'amount', window: { last: 5 + vary } }, compare: '>', limit: 80_000 + 10_000 * vary, ttl };
    case 4:
      return { value: agg('min', 'amount'), compare: '<', limit: 50 + vary, ttl };
    case 5:
      return { value: agg('distinct', 'terminal'), compare: '>', limit: 3 + (vary % 4), ttl };
    case 6:
      return { key: ['account', 'terminal'], value: agg('count'), compare: '>', limit: 2 + (vary % 3), ttl };
    case 7:
      return { key: ['account', 'terminal'], value: agg('sum', 'amount'), compare: '>', limit: 60_000 + 10_000 * vary, ttl };
    case 8:
      return {
        value: { ratio: [{ field: 'amount' }, { aggregate: 'mean', field: 'amount', window: '1h', current: 'exclude' }] },
        compare: '>',
        limit: 5 + vary,
        ttl,
      };
    default:
      return {
        value: agg('sum', 'amount', { where: [{ field: 'channel', op: '==', value: 'mobile-money' }] }),
        compare: '>',
        limit: 150_000 + 25_000 * vary,
        ttl,
        when: [{ field: 'amount', op: '>', value: 1_000 }],
      };
  }
}

/** 100 generated rules, checked by the schema: filtered (first `when`) by `spread`. */
export function benchRules(spread: Spread, count = RULES): Rule[] {
  const rules = Array.from({ length: count }, (_, i): Rule => {
    const { when = [], ...rest } = body(i);
    const first: Filter[] =
      spread === 'channel' ? [{ field: 'channel', op: '==', value: i % 2 === 0 ? 'card' : 'mobile-money' }] : spread === 'currency' ? [{ field: 'currency', op: '==', value: CURRENCIES[i]! }] : [];
    const filters = [...first, ...when];
    return { id: `bench-${spread}-${i}`, version: 1, ...rest, ...(filters.length > 0 ? { when: filters } : {}), reason: `bench-${i}>{limit}` } as Rule;
  });
  const checked = checkRuleSet(JSON.parse(JSON.stringify({ rules })));
  if (!checked.ok) throw new Error(`bench rules: ${checked.reason}`);
  return checked.value.rules;
}

interface SetFigures {
  readonly transactions: number;
  readonly applyPerTransaction: number;
  readonly perSecond: number;
  readonly microsPerTransaction: number;
  readonly p50Micros: number;
  readonly p99Micros: number;
  readonly stateHeapMb: number;
  readonly flagged: number;
}

/** The simulated bank's transactions (records only), a day at a time. */
function bankRecords(onDay: (day: number) => void): Observable<TransactionRecord> {
  return new Observable<TransactionRecord>((subscriber) => {
    let lastDay: string | undefined;
    let day = 0;
    let n = 0;
    for (const { record } of labelledTransactions({ profile: 'cameroon', seed: 1, customers: CUSTOMERS, days: DAYS })) {
      if (subscriber.closed || n >= LIMIT) break;
      n++;
      const today = record.transaction.timestamp.slice(0, 10);
      if (today !== lastDay) {
        lastDay = today;
        onDay(day++);
      }
      subscriber.next(record);
    }
    subscriber.complete();
  });
}

async function runSet(name: string, rules: readonly Rule[], expected: number): Promise<SetFigures> {
  const book = RuleBook.of(rules, 'bench');
  const inForce = book.inForceAt(Number.POSITIVE_INFINITY);
  const stateful = inForce.rules.filter((r) => r.stateful);
  const judge = judgeByRules(book, { allowedLatenessMs: 30_000, explain: true, ttlMs: Math.max(60_000, ...stateful.map((r) => r.ttlMs)) });
  const latencies = new Float64Array(expected + 1_000_000);
  let n = 0;
  let applying = 0;
  let sampled = 0;
  let judging = 0;
  let stateHeap = 0;
  const bar = progress(`bench: rules, ${name}`, { total: expected });
  const before = heapMb();
  const source = bankRecords(() => undefined);
  const timed = new Observable<TransactionRecord>((subscriber) =>
    source.subscribe({
      next: (record) => {
        if (n % 100 === 0) {
          // rules that apply to it, on a sample, outside the timing
          applying += inForce.candidates(record.transaction).filter((r) => r.applies(record.transaction)).length;
          sampled++;
        }
        const started = performance.now();
        subscriber.next(record);
        const took = performance.now() - started;
        if (n < latencies.length) latencies[n] = took;
        judging += took;
        n++;
        if (n % 20_000 === 0) bar.update(n);
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => {
        stateHeap = heapMb() - before; // the state still held: the source has not completed yet
        subscriber.complete();
      },
    }),
  );
  const flagged = await lastValueFrom(timed.pipe(judge, reduce((count, j) => count + ((j.revision ?? 0) === 0 && j.reasons.length > 0 ? 1 : 0), 0)));
  bar.update(n);
  bar.finish();
  const sorted = latencies.subarray(0, Math.min(n, latencies.length)).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000;
  return {
    transactions: n,
    applyPerTransaction: applying / Math.max(1, sampled),
    perSecond: n / (judging / 1000),
    microsPerTransaction: (judging * 1000) / n,
    p50Micros: at(0.5),
    p99Micros: at(0.99),
    stateHeapMb: stateHeap,
    flagged,
  };
}

const SETS: Readonly<Record<string, () => Rule[]>> = {
  'no rules (the engine alone)': () => [],
  '6 default rules (rules/default.json)': () => [...defaultRuleFile()],
  '100 rules, one per currency (1 applies)': () => benchRules('currency'),
  '100 rules, one channel each (about half apply)': () => benchRules('channel'),
  '100 rules, all apply': () => benchRules('all'),
};

export const rulesAtScaleBench: Bench = {
  name: 'rules',
  async run() {
    const wanted = process.env.BENCH_RULES_SETS?.split(',');
    // the number of transactions, for the progress bars: one pass of the simulator alone
    let expected = 0;
    const accounts = new Set<unknown>();
    let lastTime = 0;
    const simStarted = performance.now();
    for (const { record } of labelledTransactions({ profile: 'cameroon', seed: 1, customers: CUSTOMERS, days: DAYS })) {
      if (expected >= LIMIT) break;
      expected++;
      accounts.add(record.transaction.account);
      lastTime = eventTime(record.transaction) - Date.UTC(2026, 0, 1);
    }
    const simSeconds = (performance.now() - simStarted) / 1000;
    const distinctAccounts = accounts.size;
    accounts.clear();
    const rows: string[][] = [];
    const results: Record<string, SetFigures> = {};
    const names = Object.keys(SETS).filter((_, i) => wanted === undefined || wanted.includes(String(i)));
    for (const name of names) {
      const figures = await runSet(name, SETS[name]!(), expected);
      results[name] = figures;
      const f = (x: number, digits = 1): string => x.toLocaleString('en', { maximumFractionDigits: digits });
      rows.push([name, f(figures.applyPerTransaction), f(figures.perSecond, 0), f(figures.microsPerTransaction), f(figures.p50Micros), f(figures.p99Micros), f(figures.stateHeapMb, 0), f(figures.flagged, 0)]);
    }
    const all = results['100 rules, all apply'];
    const one = results['100 rules, one per currency (1 applies)'];
    const none = results['no rules (the engine alone)'];
    const failures: string[] = [];
    // one rule that applies out of 100 in force must cost about one rule, not 100: within the
    // engine's own cost plus a tenth of what 100 rules that apply cost
    if (all && one && none && one.microsPerTransaction > none.microsPerTransaction + all.microsPerTransaction / 10) {
      failures.push(`100 rules of which 1 applies cost ${one.microsPerTransaction.toFixed(1)} µs a transaction, more than the engine's ${none.microsPerTransaction.toFixed(1)} + a tenth of 100 that apply (${all.microsPerTransaction.toFixed(1)})`);
    }
    const first = Object.values(results)[0];
    return {
      title: `100 rules of the rule language over ${CUSTOMERS.toLocaleString('en')} simulated customers, beside the default rules`,
      method:
        `The cameroon profile (seed 1), ${CUSTOMERS.toLocaleString('en')} customers, the first ${LIMIT.toLocaleString('en')} transactions of ${DAYS} day(s), straight from the simulator into judgeByRules (explain on) in-process; ` +
        '100 generated rules (counts, sums, means, max, min, distinct counts over windows of 5 min to 1 h or the last N, state kept 1 h, per-terminal keys, ratios to the mean, where filters) filtered by their first == to one currency, to one channel, or not at all. ' +
        'Latency: the time of each transaction from the source to its judgement; throughput: transactions over the sum of those times; state heap: after a full GC at the end, less before.',
      table: { header: ['rule set', 'rules that apply (mean)', 'transactions/s', 'µs a transaction', 'p50 µs', 'p99 µs', 'state heap (MB)', 'flagged'], rows },
      figures: {
        customers: CUSTOMERS,
        days: DAYS,
        transactions: first?.transactions ?? 0,
        'accounts with a transaction': distinctAccounts,
        'event time judged (h)': Math.round(lastTime / 360_000) / 10,
        'the simulator alone (transactions/s)': Math.round(expected / simSeconds),
      },
      failures,
    };
  },
};
