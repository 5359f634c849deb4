import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, tap, toArray } from 'rxjs';
import { seededRandom } from '../../../src/random.ts';
import { RulesStore } from '../../../src/operators/rules/decideOnArrival.ts';
import { defaultRules, judgeRules } from '../../../src/operators/rules/judgeRules.ts';
import type { SuspiciousTransaction, TransactionRecord } from '../../../src/types.ts';
import { marbles } from '../../helpers/marbles.ts';
import { arrivalOrder, generate, restoredCopy, tx } from './records.ts';

const run = async (input: TransactionRecord[], lateness = 5 * 60_000): Promise<SuspiciousTransaction[]> =>
  lastValueFrom(from(input).pipe(defaultRules({ allowedLatenessMs: lateness }), toArray()));

/** Each transaction's last decision (its latest revision), the suspicious ones. */
const verdicts = (output: SuspiciousTransaction[]): string[] => {
  const last = new Map(output.map((s) => [s.ref.offset, s.reasons.join(',')]));
  return [...last].filter(([, reasons]) => reasons !== '').map(([offset, reasons]) => `${offset}:${reasons}`).sort();
};

describe('defaultRules', () => {
  const a = tx(0, 0, { amount: 100 });
  const b = tx(1, 10, { amount: 15_000 });
  const c = tx(2, 20, { amount: 95, balanceBefore: 100 });

  it('keeps the records that some rule flagged, with every reason', marbles((m) => {
    m.expect(m.cold('-a-b-c-|', { a, b, c }).pipe(defaultRules())).toBeObservable('---B-C-|', {
      B: { ...b, reasons: ['amount>10000XAF'], score: 1.5 },
      C: { ...c, reasons: ['drain>=90%'], score: 0.95 },
    });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-a-b-#', { a, b }).pipe(defaultRules())).toBeObservable('---B-#', { B: { ...b, reasons: ['amount>10000XAF'], score: 1.5 } });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-|', { a, b, c });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(defaultRules()), subs).toBeObservable('----');
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('finds the same (ref, reasons) whatever the order of arrival within the allowed lateness', async () => {
    const lateness = 5 * 60_000;
    const sorted = generate(400, 42);
    const random = seededRandom(7);
    // Each arrives up to the lateness after its event time: never late, often out of order.
    const shuffled = sorted
      .map((record, i) => ({ record, arrival: i * 10_000 + random.uniform(0, lateness - 10_000) }))
      .sort((x, y) => x.arrival - y.arrival)
      .map(({ record }) => record);
    expect(shuffled).not.toEqual(sorted);
    const inOrder = verdicts(await run(sorted, lateness));
    expect(verdicts(await run(shuffled, lateness))).toEqual(inOrder);
    // Every rule fires somewhere, or the comparison proves little.
    for (const code of ['amount>', 'drain>=', 'frequency>', 'travel>', 'new-country:', 'zscore>']) {
      expect(inOrder.some((v) => v.includes(code)), code).toBe(true);
    }
  });

  it('continues from a store restored with what another run wrote: the same decisions and revisions', async () => {
    const lateness = 5 * 60_000;
    const input = arrivalOrder(generate(400, 5), lateness, 11);
    const judgeAll = (records: TransactionRecord[], store?: RulesStore) =>
      lastValueFrom(from(records).pipe(judgeRules({ allowedLatenessMs: lateness, ...(store ? { store } : {}) }), toArray()));
    const whole = await judgeAll(input);
    expect(whole.filter((j) => (j.revision ?? 0) > 0).length).toBeGreaterThan(0);
    const first = new RulesStore('rules');
    const before = await judgeAll(input.slice(0, 200), first);
    const restored = restoredCopy(first, 200);
    expect(restored.held.partition('test', 0).size).toBeGreaterThan(0);
    const after = await judgeAll(input.slice(200), restored);
    expect([...before, ...after]).toEqual(whole);
  });

  it("writes each held transaction once, and keeps an account's written value small however many it holds", async () => {
    // one account, 600 transactions a second apart, each held for the 5 min lateness, then folded
    const lateness = 5 * 60_000;
    const input = Array.from({ length: 600 }, (_, i) => tx(i, i, { account: 'A', amount: 100 }));
    const store = new RulesStore('rules');
    const heldWrites = new Map<string, number>();
    const accountValues: string[] = [];
    let i = 0;
    await lastValueFrom(
      from(input).pipe(
        judgeRules({ allowedLatenessMs: lateness, store }),
        tap(() => {
          if (++i % 50 !== 0) return;
          // a checkpoint every 50 records
          const [accounts] = store.accounts.snapshot([{ topic: 'test', partition: 0, offset: i }]);
          const [held] = store.held.snapshot([{ topic: 'test', partition: 0, offset: i }]);
          accountValues.push(JSON.stringify(accounts!.changes.get('A')));
          for (const [key, value] of held!.changes) if (value !== undefined) heldWrites.set(key, (heldWrites.get(key) ?? 0) + 1);
        }),
      ),
    );
    expect(heldWrites.size).toBe(600);
    expect(Math.max(...heldWrites.values())).toBe(1);
    // the account's value is the rules' state after its folded transactions, and its last time:
    // no held transaction inside
    expect(accountValues).toHaveLength(12);
    for (const value of accountValues) {
      expect(Object.keys(JSON.parse(value) as object).sort()).toEqual(['base', 'last']);
      expect(value).not.toContain('transaction_id');
    }
    expect(store.held.partition('test', 0).size).toBeLessThanOrEqual(lateness / 1000 + 1);
  });

  it('writes nothing for a transaction held and folded between two checkpoints', async () => {
    const store = new RulesStore('rules');
    // lateness 5 s: each transaction folds 5 s of event time after it arrived
    await lastValueFrom(from(Array.from({ length: 100 }, (_, i) => tx(i, i, { account: 'A', amount: 100 }))).pipe(judgeRules({ allowedLatenessMs: 5_000, store }), toArray()));
    const [held] = store.held.snapshot([{ topic: 'test', partition: 0, offset: 100 }]);
    // the last five or six are still held; the 94 folded before this first checkpoint leave no trace
    expect([...held!.changes.values()].every((v) => v !== undefined)).toBe(true);
    expect(held!.changes.size).toBe(store.held.partition('test', 0).size);
    expect(held!.changes.size).toBeLessThanOrEqual(6);
  });
});

describe('judgeRules({ rules })', () => {
  // an account over the frequency limit, a drained balance and an amount over the limit
  const input = [...Array.from({ length: 7 }, (_, i) => tx(i, i, { account: 'A', amount: 100 })), tx(7, 8, { account: 'B', amount: 95, balanceBefore: 100 }), tx(8, 9, { account: 'C', amount: 15_000 })];
  const reasons = async (rules: Parameters<typeof judgeRules>[0]): Promise<string[]> => {
    const out = await lastValueFrom(from(input).pipe(judgeRules(rules), toArray()));
    return out.filter((j) => j.reasons.length > 0).map((j) => `${j.record.ref.offset}:${j.reasons.join(',')}`);
  };

  it('runs every rule by default', async () => {
    expect(await reasons({})).toEqual(['5:frequency>5/10min', '6:frequency>5/10min', '7:drain>=90%', '8:amount>10000XAF']);
  });

  it("runs only the rules named: `amount` alone is the prototype's rule set, with no state", async () => {
    const store = new RulesStore('fraud-rules');
    expect(await reasons({ rules: ['amount'], store })).toEqual(['8:amount>10000XAF']);
    expect(store.accounts.partition('test', 0).size).toBe(0);
    expect(store.held.partition('test', 0).size).toBe(0);
    expect(await reasons({ rules: ['frequency', 'drain'] })).toEqual(['5:frequency>5/10min', '6:frequency>5/10min', '7:drain>=90%']);
  });

  it('refuses a rule it does not know, naming the known ones', () => {
    expect(() => judgeRules({ rules: ['amount', 'velocity' as never] })).toThrow('unknown rule velocity; known: amount, drain, frequency, location, zscore');
  });
});
