/**
 * evaluateFraud: each record counted once per method with its final decision (revisions
 * included), the figures those of the counts, and the same figures whatever the order the
 * records arrive in within the allowed lateness (decisions are final only once nothing can revise
 * them).
 */
import fc from 'fast-check';
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { LabelledTransaction } from '../../src/adapters/paysim.ts';
import { evaluateFraud } from '../../src/evaluation/evaluateFraud.ts';
import { judgeRules } from '../../src/operators/rules/index.ts';

const T0 = Date.UTC(2026, 0, 1);
const labelled = (offset: number, second: number, account: string, amount: number, kind?: string): LabelledTransaction => ({
  record: {
    transaction: { id: offset, transaction_id: offset, amount, currency: 'XAF', timestamp: new Date(T0 + second * 1000).toISOString(), account },
    ref: { source: 'test', partition: 0, offset },
  },
  fraud: kind !== undefined,
  ...(kind === undefined ? {} : { kind }),
});

describe('evaluateFraud', () => {
  it('scores each method against the labels: counts, AP over the score, recall per kind, card precision per day', async () => {
    const rows = [
      labelled(1, 0, 'A', 20_000, 'amount-above-limit'), // amount fires, score 2
      labelled(2, 10, 'B', 5_000),
      labelled(3, 20, 'C', 15_000), // amount fires, score 1.5: a false positive
      labelled(4, 86_400 + 5, 'D', 100, 'card-testing'), // day 2: nothing fires
      labelled(5, 86_400 + 9, 'E', 200),
    ];
    const result = await evaluateFraud(from(rows), { amount: judgeRules({ rules: ['amount'] }) }, { k: 2 });
    expect(result).toMatchObject({ rows: 5, frauds: 2, fraudsByKind: { 'amount-above-limit': 1, 'card-testing': 1 }, late: 0 });
    const amount = result.methods['amount']!;
    expect(amount).toMatchObject({ tp: 1, fp: 1, fn: 1, tn: 2, precision: 0.5, recall: 0.5 });
    // thresholds 2 (P 1, R 1/2), 1.5 (P 1/2, R 1/2), 0 (P 2/5, R 1): AP = 1/2 × 1 + 1/2 × 2/5
    expect(amount.averagePrecision).toBeCloseTo(0.7, 12);
    expect(amount.recallByKind).toEqual({ 'amount-above-limit': 1, 'card-testing': 0 });
    // day 1: A (2), C (1.5) on top, A compromised: 1/2; day 2: D and E tied at 0, both fit: 1/2
    expect(amount.cardPrecisionAt100PerDay.map((d) => [d.day, d.precision])).toEqual([['2026-01-01', 0.5], ['2026-01-02', 0.5]]);
    expect(amount.cardPrecisionAt100).toBe(0.5);
  });

  it('gives the figures of the time-ordered file when records arrive out of order within the allowed lateness', async () => {
    const transactions = fc.array(fc.record({ gap: fc.integer({ min: 1, max: 40 }), account: fc.constantFrom('A', 'B', 'C'), amount: fc.integer({ min: 1, max: 30_000 }), fraud: fc.boolean() }), { minLength: 1, maxLength: 80 });
    await fc.assert(
      fc.asyncProperty(transactions, fc.array(fc.nat()), async (drawn, swaps) => {
        let second = 0;
        const ordered = drawn.map((t, i) => labelled(i, (second += t.gap), t.account, t.amount, t.fraud ? 'k' : undefined));
        // swap neighbours less than 30 s apart: each arrives within the lateness of the other
        const shuffled = [...ordered];
        for (const s of swaps) {
          const i = s % shuffled.length;
          if (i + 1 >= shuffled.length) continue;
          const gap = Date.parse(shuffled[i + 1]!.record.transaction.timestamp) - Date.parse(shuffled[i]!.record.transaction.timestamp);
          if (Math.abs(gap) < 30_000) [shuffled[i], shuffled[i + 1]] = [shuffled[i + 1]!, shuffled[i]!];
        }
        const methods = () => ({ frequency: judgeRules({ rules: ['frequency'], frequency: { max: 2, windowMs: 60_000 } }), set: judgeRules({ frequency: { max: 2, windowMs: 60_000 } }) });
        const a = await evaluateFraud(from(ordered), methods());
        const b = await evaluateFraud(from(shuffled), methods());
        expect(b.late).toBe(0);
        expect(b.methods).toEqual(a.methods);
      }),
      { numRuns: 40 },
    );
  });
});

describe('evaluateFraud: rule views and comparison', () => {
  it('scores each rule of an explaining method from its judgements as the rule run alone, and compares two methods', async () => {
    const transactions = fc.array(fc.record({ gap: fc.integer({ min: 1, max: 40 }), account: fc.constantFrom('A', 'B'), amount: fc.integer({ min: 1, max: 30_000 }), fraud: fc.boolean() }), { minLength: 1, maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(transactions, async (drawn) => {
        let second = 0;
        const rows = drawn.map((t, i) => labelled(i, (second += t.gap), t.account, t.amount, t.fraud ? 'k' : undefined));
        const frequency = { max: 2, windowMs: 60_000 };
        const result = await evaluateFraud(
          from(rows),
          {
            set: judgeRules({ rules: ['amount', 'frequency'], frequency, explain: true }),
            'set:frequency': { of: 'set', keep: (f) => f.id === 'frequency' },
            'set:amount': { of: 'set', keep: (f) => f.id === 'amount' },
            amount: judgeRules({ rules: ['amount'] }),
            frequency: judgeRules({ rules: ['frequency'], frequency }),
          },
          { compare: ['amount', 'set'] },
        );
        const { curve: _a, ...viewAmount } = result.methods['set:amount']!;
        const { curve: _b, ...aloneAmount } = result.methods['amount']!;
        expect(viewAmount).toEqual(aloneAmount);
        const { curve: _c, ...viewFrequency } = result.methods['set:frequency']!;
        const { curve: _d, ...aloneFrequency } = result.methods['frequency']!;
        expect(viewFrequency).toEqual(aloneFrequency);
        // the set flags a superset of what amount alone flags
        const { set, amount } = result.methods as Record<string, { tp: number; fp: number }>;
        expect(result.comparison).toEqual({
          a: 'amount',
          b: 'set',
          onlyA: { frauds: 0, fraudsByKind: {}, falseAlarms: 0 },
          onlyB: { frauds: set!.tp - amount!.tp, fraudsByKind: set!.tp > amount!.tp ? { k: set!.tp - amount!.tp } : {}, falseAlarms: set!.fp - amount!.fp },
        });
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a view of a method that does not run, and a comparison of an unknown method', async () => {
    const rows = [labelled(1, 0, 'A', 20_000)];
    await expect(evaluateFraud(from(rows), { v: { of: 'nothing', keep: () => true } })).rejects.toThrow('evaluateFraud: v views nothing, which is not a method that runs');
    await expect(evaluateFraud(from(rows), { amount: judgeRules({ rules: ['amount'] }) }, { compare: ['amount', 'set'] })).rejects.toThrow('evaluateFraud: compare names set, not a method');
    // a view needs the rules that fired: a method that does not explain is refused when one fired
    await expect(evaluateFraud(from(rows), { amount: judgeRules({ rules: ['amount'] }), 'amount:amount': { of: 'amount', keep: () => true } })).rejects.toThrow('does not explain');
  });
  it('scores only the records `counted` passes, the others warming the methods\' state (the test part of a split by time)', async () => {
    const transactions = fc.array(fc.record({ gap: fc.integer({ min: 1, max: 40 }), account: fc.constantFrom('A', 'B'), amount: fc.integer({ min: 1, max: 30_000 }), fraud: fc.boolean() }), { minLength: 2, maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(transactions, fc.nat(), async (drawn, at) => {
        let second = 0;
        const ordered = drawn.map((t, i) => labelled(i, (second += t.gap), t.account, t.amount, t.fraud ? 'k' : undefined));
        const cut = at % ordered.length;
        // a rule without state: the counted tail scores as the tail alone
        const counted = await evaluateFraud(from(ordered), { amount: judgeRules({ rules: ['amount'] }) }, { counted: (_, index) => index >= cut });
        const tail = await evaluateFraud(from(ordered.slice(cut)), { amount: judgeRules({ rules: ['amount'] }) });
        expect(counted).toEqual(tail);
      }),
    );
    // a rule with state: the records before the cut are in its window, so the first counted one fires
    const burst = [0, 10, 20, 30].map((s, i) => labelled(i, s, 'A', 100, i === 3 ? 'card-testing' : undefined));
    const frequency = () => ({ frequency: judgeRules({ rules: ['frequency'], frequency: { max: 2, windowMs: 60_000 } }) });
    const warm = await evaluateFraud(from(burst), frequency(), { counted: (_, index) => index >= 3 });
    expect(warm).toMatchObject({ rows: 1, frauds: 1 });
    expect(warm.methods['frequency']).toMatchObject({ tp: 1, fp: 0, fn: 0, tn: 0 });
    const cold = await evaluateFraud(from(burst.slice(3)), frequency());
    expect(cold.methods['frequency']).toMatchObject({ tp: 0, fn: 1 });
  });
});
