import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { seededRandom } from '../../../src/random.ts';
import { type RulesState, defaultRules, judgeRules } from '../../../src/operators/rules/index.ts';
import { StateStore } from '../../../src/state/stateStore.ts';
import type { SuspiciousTransaction, TransactionRecord } from '../../../src/types.ts';
import { marbles } from '../../helpers/marbles.ts';
import { tx } from './records.ts';

const run = async (input: TransactionRecord[], lateness = 5 * 60_000): Promise<SuspiciousTransaction[]> =>
  lastValueFrom(from(input).pipe(defaultRules({ allowedLatenessMs: lateness }), toArray()));

/** Each transaction's last decision (its latest revision), the suspicious ones. */
const verdicts = (output: SuspiciousTransaction[]): string[] => {
  const last = new Map(output.map((s) => [s.ref.offset, s.reasons.join(',')]));
  return [...last].filter(([, reasons]) => reasons !== '').map(([offset, reasons]) => `${offset}:${reasons}`).sort();
};

const PLACES = [
  { lat: 4.05, lon: 9.7, country: 'CM' },
  { lat: 3.87, lon: 11.52, country: 'CM' },
  { lat: 48.86, lon: 2.35, country: 'FR' },
  { lat: 6.52, lon: 3.38, country: 'NG' },
];

/** Hundreds of transactions of a few accounts, one every 10 s or so, some of them suspicious. */
function generate(count: number, seed: number): TransactionRecord[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) =>
    tx(i, i * 10 + random.int(0, 9), {
      account: `A${random.int(0, 7)}`,
      amount: random.next() < 0.05 ? random.int(5000, 20_000) : random.int(50, 500),
      balanceBefore: random.int(100, 5000),
      type: random.next() < 0.2 ? 'CASH_IN' : 'TRANSFER',
      location: PLACES[random.next() < 0.9 ? 0 : random.int(0, 3)],
    }),
  );
}

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
    const random = seededRandom(11);
    const input = generate(400, 5)
      .map((record, i) => ({ record, arrival: i * 10_000 + random.uniform(0, lateness - 10_000) }))
      .sort((x, y) => x.arrival - y.arrival)
      .map(({ record }, offset) => ({ ...record, ref: { ...record.ref, offset } })); // offsets in arrival order, as in a partition
    const judgeAll = (records: TransactionRecord[], store?: StateStore<RulesState>) =>
      lastValueFrom(from(records).pipe(judgeRules({ allowedLatenessMs: lateness, ...(store ? { store } : {}) }), toArray()));
    const whole = await judgeAll(input);
    expect(whole.filter((j) => (j.revision ?? 0) > 0).length).toBeGreaterThan(0);
    const first = new StateStore<RulesState>('rules');
    const before = await judgeAll(input.slice(0, 200), first);
    // as a checkpoint writes it (JSON) and a restore reads it
    const restored = new StateStore<RulesState>('rules');
    restored.restore('test', 0, JSON.parse(JSON.stringify([...first.partition('test', 0).entries()])));
    const after = await judgeAll(input.slice(200), restored);
    expect([...before, ...after]).toEqual(whole);
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
    const store = new StateStore<RulesState>('fraud-rules');
    expect(await reasons({ rules: ['amount'], store })).toEqual(['8:amount>10000XAF']);
    expect(store.partition('test', 0).size).toBe(0);
    expect(await reasons({ rules: ['frequency', 'drain'] })).toEqual(['5:frequency>5/10min', '6:frequency>5/10min', '7:drain>=90%']);
  });

  it('refuses a rule it does not know, naming the known ones', () => {
    expect(() => judgeRules({ rules: ['amount', 'velocity' as never] })).toThrow('unknown rule velocity; known: amount, drain, frequency, location, zscore');
  });
});
