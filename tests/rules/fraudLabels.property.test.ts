/**
 * The label-delayed fraud values (`fraudLabels`, src/rules/labels.ts) against their definition
 * computed naively, on generated streams of transactions and label events at two terminals: at a
 * transaction of time t, over the terminal's transactions of [t − delay − window, t − delay], those
 * whose latest label before t (event time) says fraud. The same values whether the stream comes in
 * event-time order, in another order of arrival within the allowed lateness (the revisions end on
 * them), or stopped and restarted from a checkpoint; a rule that reads no labels never sees them.
 */
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { RulesStore } from '../../src/operators/rules/decideOnArrival.ts';
import { judgeByRules } from '../../src/operators/rules/judgeByRules.ts';
import { ruleFeatures } from '../../src/operators/rules/ruleFeatures.ts';
import { checkRule } from '../../src/rules/schema.ts';
import { compileRule } from '../../src/rules/compile.ts';
import { FRAUD_LABELS } from '../../src/rules/labels.ts';
import { RuleBook } from '../../src/rules/ruleBook.ts';
import type { Rule } from '../../src/rules/schema.ts';
import type { LabelKind, Transaction, TransactionRecord } from '../../src/types.ts';
import { restoredCopy } from '../operators/rules/records.ts';

const BASE = Date.UTC(2026, 11, 7, 10);
const MIN = 60_000;
const WINDOW = 60 * MIN;
const DELAY = 30 * MIN;
const DAY = 86_400_000;
const fraudLabels = (aggregate: string) => ({ fraudLabels: { aggregate, window: '1h', delay: '30min' } }) as Rule['value'];
const RULES: Rule[] = [
  { id: 'count', version: 1, key: 'terminal', value: fraudLabels('count'), feature: 'count' },
  { id: 'rate', version: 1, key: 'terminal', value: fraudLabels('rate'), feature: 'rate' },
  { id: 'first', version: 1, key: 'terminal', value: fraudLabels('daysSinceFirst'), feature: 'first' },
  { id: 'last', version: 1, key: 'terminal', value: fraudLabels('daysSinceLast'), feature: 'last' },
  // reads no labels: counts the account's transactions only
  { id: 'txs', version: 1, value: { aggregate: 'count', window: '3h' }, feature: 'txs' },
];

interface Event {
  readonly time: number;
  readonly tx: Transaction;
}

/** Transactions at distinct whole seconds over 4 hours, and labels of some of them 1–100 min later (at odd milliseconds: no ties). */
const stream = fc
  .array(fc.record({ minute: fc.integer({ min: 0, max: 240 }), terminal: fc.constantFrom('T1', 'T2'), account: fc.constantFrom('A', 'B', 'C') }), { minLength: 1, maxLength: 50 })
  .chain((txs) =>
    fc
      .array(fc.record({ of: fc.integer({ min: 0, max: txs.length - 1 }), lag: fc.integer({ min: 1, max: 100 }), label: fc.constantFrom<LabelKind>('fraud', 'fraud', 'chargeback', 'verdict-fraud', 'verdict-genuine') }), { maxLength: 40 })
      .map((labels): Event[] => {
        const transactions = txs.map((t, i): Event => {
          const time = BASE + t.minute * MIN + i * 1000;
          return { time, tx: { id: 1, transaction_id: 100 + i, amount: 10, currency: 'EUR', timestamp: new Date(time).toISOString(), account: t.account, terminal: t.terminal } };
        });
        const labelled = labels.map((l, j): Event => {
          const of = transactions[l.of]!;
          const time = of.time + l.lag * MIN + 1 + j;
          return { time, tx: { id: 0, transaction_id: of.tx.transaction_id, amount: 0, currency: '', timestamp: new Date(time).toISOString(), account: of.tx.account!, terminal: of.tx.terminal!, label: l.label } };
        });
        return [...transactions, ...labelled].sort((a, b) => a.time - b.time);
      }),
  );

/** The definition, transaction by transaction. */
function naive(events: readonly Event[]): Map<number, Record<string, number | null>> {
  const out = new Map<number, Record<string, number | null>>();
  const txs = events.filter((e) => e.tx.label === undefined);
  for (const e of txs) {
    const t = e.time;
    const inWindow = txs.filter((o) => o.tx.terminal === e.tx.terminal && o.time >= t - DELAY - WINDOW && o.time <= t - DELAY);
    const frauds = inWindow.filter((o) => {
      const known = events.filter((l) => l.tx.label !== undefined && l.tx.transaction_id === o.tx.transaction_id && l.time < t);
      return known.length > 0 && FRAUD_LABELS.has(known[known.length - 1]!.tx.label!);
    });
    const times = frauds.map((f) => f.time);
    out.set(e.tx.transaction_id, {
      count: frauds.length,
      rate: inWindow.length === 0 ? null : frauds.length / inWindow.length,
      first: times.length === 0 ? null : (t - Math.min(...times)) / DAY,
      last: times.length === 0 ? null : (t - Math.max(...times)) / DAY,
      txs: txs.filter((o) => o.tx.account === e.tx.account && o.time >= t - 3 * 60 * MIN && o.time <= t).length,
    });
  }
  return out;
}

const records = (events: readonly Event[]): TransactionRecord[] => events.map((e, offset) => ({ transaction: e.tx, ref: { source: 'test', partition: 0, offset } }));
const close = (got: Map<number, Record<string, number | null>>, want: Map<number, Record<string, number | null>>) => {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [id, row] of want) for (const name in row) {
    const g = got.get(id)![name];
    if (row[name] === null) expect(g, `${id} ${name}`).toBeNull();
    else expect(g, `${id} ${name}`).toBeCloseTo(row[name]!, 9);
  }
};

describe('fraudLabels: a key\'s label-delayed frauds', () => {
  it('is checked: an aggregate it has, durations, the window and delay within the TTL', () => {
    expect(checkRule({ id: 'r', version: 1, key: 'terminal', value: { fraudLabels: { aggregate: 'median', window: '7d' } }, feature: 'f' })).toMatchObject({ ok: false, reason: expect.stringMatching(/^value/) });
    const long = checkRule({ id: 'r', version: 1, key: 'terminal', value: { fraudLabels: { aggregate: 'rate', window: '28d', delay: '7d' } }, feature: 'f' });
    expect(long.ok && compileRule(long.value)).toMatchObject({ ok: false, reason: expect.stringMatching(/^ttl: .*\(the default\) is shorter than the window/) });
  });

  it('equals its definition, replayed in event-time order (ruleFeatures: one row per transaction, none per label)', async () => {
    await fc.assert(
      fc.asyncProperty(stream, async (events) => {
        const rows = await lastValueFrom(from(records(events)).pipe(ruleFeatures(RuleBook.of(RULES)), toArray()));
        close(new Map(rows.map((r) => [r.record.transaction.transaction_id, { ...r.features }])), naive(events));
      }),
      { numRuns: 150 },
    );
  });

  it('equals its definition over what has arrived, in any order of arrival within the lateness', async () => {
    // a value is given at arrival (a revision changes decisions, not the features given): it is the
    // definition over the events that arrived before it, each in its place by event time
    const lateness = 30 * MIN;
    await fc.assert(
      fc.asyncProperty(stream, fc.array(fc.integer({ min: 0, max: lateness - 1 }), { minLength: 100, maxLength: 100 }), async (events, delays) => {
        const arrived = events.map((e, i) => ({ e, arrival: e.time + delays[i % delays.length]! })).sort((a, b) => a.arrival - b.arrival).map(({ e }) => e);
        const rows = await lastValueFrom(from(records(arrived)).pipe(ruleFeatures(RuleBook.of(RULES), { allowedLatenessMs: lateness }), toArray()));
        const want = new Map<number, Record<string, number | null>>();
        arrived.forEach((e, i) => {
          if (e.tx.label !== undefined) return;
          const before = arrived.slice(0, i + 1).sort((a, b) => a.time - b.time);
          want.set(e.tx.transaction_id, naive(before).get(e.tx.transaction_id)!);
        });
        close(new Map(rows.map((r) => [r.record.transaction.transaction_id, { ...r.features }])), want);
      }),
      { numRuns: 100 },
    );
  });

  it('gives the same values across a restart from a checkpoint', async () => {
    await fc.assert(
      fc.asyncProperty(stream, fc.double({ min: 0, max: 1, noNaN: true }), async (events, cut) => {
        const input = records(events);
        const at = Math.floor(cut * input.length);
        const serve = (list: TransactionRecord[], store: RulesStore) => lastValueFrom(from(list).pipe(judgeByRules(RuleBook.of(RULES), { store, features: true }), toArray()));
        const store = new RulesStore('rules');
        const served = [...(await serve(input.slice(0, at), store)), ...(await serve(input.slice(at), restoredCopy(store, at)))];
        const rows = new Map(served.filter((j) => j.record.transaction.label === undefined).map((j) => [j.record.transaction.transaction_id, { ...j.features }]));
        close(rows, naive(events));
      }),
      { numRuns: 100 },
    );
  });
});
