/**
 * An aggregate with a `delay` reads the key's transactions of [t − delay − window, t − delay]
 * (this one left out): against that definition computed naively, on generated transactions of
 * three accounts, in event-time order and across a restart from a checkpoint.
 */
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { RulesStore } from '../../src/operators/rules/decideOnArrival.ts';
import { judgeByRules } from '../../src/operators/rules/judgeByRules.ts';
import { compileRule } from '../../src/rules/compile.ts';
import { RuleBook } from '../../src/rules/ruleBook.ts';
import { type Rule, checkRule } from '../../src/rules/schema.ts';
import type { TransactionRecord } from '../../src/types.ts';
import { restoredCopy } from '../operators/rules/records.ts';

const BASE = Date.UTC(2026, 11, 7, 10);
const MIN = 60_000;
const AGGREGATES = ['count', 'sum', 'mean', 'max', 'min'] as const;
const RULES: Rule[] = AGGREGATES.map((aggregate) => ({
  id: aggregate,
  version: 1,
  value: { aggregate, ...(aggregate === 'count' ? {} : { field: 'amount' }), window: '1h', delay: '30min' },
  feature: aggregate,
}));

const stream = fc
  .array(fc.record({ minute: fc.integer({ min: 0, max: 300 }), account: fc.constantFrom('A', 'B', 'C'), amount: fc.integer({ min: 1, max: 500 }) }), { minLength: 1, maxLength: 60 })
  .map((txs) =>
    txs
      .map((t, i) => ({ time: BASE + t.minute * MIN + i * 1000, i, ...t }))
      .sort((a, b) => a.time - b.time)
      .map((t, offset): TransactionRecord => ({
        transaction: { id: 1, transaction_id: t.i, amount: t.amount, currency: 'EUR', timestamp: new Date(t.time).toISOString(), account: t.account },
        ref: { source: 'test', partition: 0, offset },
      })),
  );

function naive(input: readonly TransactionRecord[]): Map<number, Record<string, number | null>> {
  const out = new Map<number, Record<string, number | null>>();
  for (const { transaction: tx } of input) {
    const t = Date.parse(tx.timestamp);
    const amounts = input
      .map((r) => r.transaction)
      .filter((o) => o.account === tx.account && Date.parse(o.timestamp) >= t - 90 * MIN && Date.parse(o.timestamp) <= t - 30 * MIN)
      .map((o) => o.amount);
    const n = amounts.length;
    out.set(tx.transaction_id, {
      count: n,
      sum: amounts.reduce((a, b) => a + b, 0),
      mean: n === 0 ? null : amounts.reduce((a, b) => a + b, 0) / n,
      max: n === 0 ? null : Math.max(...amounts),
      min: n === 0 ? null : Math.min(...amounts),
    });
  }
  return out;
}

describe('an aggregate with a delay', () => {
  it('is refused over the last N, and when delay + window exceed the TTL', () => {
    const lastN = checkRule({ id: 'r', version: 1, value: { aggregate: 'count', window: { last: 5 }, delay: '1h' }, feature: 'f' });
    expect(lastN.ok && compileRule(lastN.value)).toMatchObject({ ok: false, reason: 'value.delay: only a time window can be delayed, not the last N' });
    const long = checkRule({ id: 'r', version: 1, value: { aggregate: 'count', window: '20d', delay: '14d' }, feature: 'f' });
    expect(long.ok && compileRule(long.value)).toMatchObject({ ok: false });
  });

  it('equals its definition, in event-time order and across a restart from a checkpoint', async () => {
    await fc.assert(
      fc.asyncProperty(stream, fc.double({ min: 0, max: 1, noNaN: true }), async (input, cut) => {
        const at = Math.floor(cut * input.length);
        const serve = (list: TransactionRecord[], store: RulesStore) => lastValueFrom(from(list).pipe(judgeByRules(RuleBook.of(RULES), { store, features: true }), toArray()));
        const store = new RulesStore('rules');
        const served = [...(await serve(input.slice(0, at), store)), ...(await serve(input.slice(at), restoredCopy(store, at)))];
        const want = naive(input);
        expect(served).toHaveLength(input.length);
        for (const j of served) {
          const row = want.get(j.record.transaction.transaction_id)!;
          for (const name of AGGREGATES) expect(j.features![name], name).toBe(row[name]);
        }
      }),
      { numRuns: 150 },
    );
  });
});
