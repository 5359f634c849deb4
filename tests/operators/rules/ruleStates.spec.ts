/**
 * Issue 19, finding 2: each account's rule states were an array indexed by the rule's position,
 * under one store name whatever the rule set, so a restart with another `--rules` handed one
 * rule another's state (`TypeError: Cannot destructure property 'last' of 'seen' as it is
 * undefined`, or a silent misread where the shapes matched). Here a store is written with one
 * rule set and restored with fewer, more and reordered rules, a changed version is refused or
 * migrated, and a checkpoint of the positional layout is not misread.
 */
import { describe, expect, it } from 'vitest';
import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import type { AccountRule } from '../../../src/operators/rules/accountRule.ts';
import { type DecideOnArrivalOptions, RulesStore, decideOnArrival } from '../../../src/operators/rules/decideOnArrival.ts';
import { amountZScoreRule } from '../../../src/operators/rules/amountZScore.ts';
import { frequencyRule } from '../../../src/operators/rules/frequency.ts';
import { type Judged, judge } from '../../../src/operators/rules/judged.ts';
import { locationRule } from '../../../src/operators/rules/location.ts';
import type { RulesRestored } from '../../../src/operators/rules/ruleStates.ts';
import type { TransactionRecord } from '../../../src/types.ts';
import { arrivalOrder, finalDecisions, generate, restoredCopy, tx } from './records.ts';

const LATENESS = 5 * 60_000;
const frequency = () => frequencyRule();
const location = () => locationRule();
const zscore = () => amountZScoreRule();

const judgeAll = (records: readonly TransactionRecord[], rules: AccountRule<unknown>[], options: DecideOnArrivalOptions = {}): Promise<Judged[]> =>
  lastValueFrom(from(records).pipe(judge(), decideOnArrival(rules, { allowedLatenessMs: LATENESS, ...options }), toArray()));

/** Each record's final reasons from one rule (by the prefix of its reasons), by offset. */
const verdictsOf = (output: readonly Judged[], prefix: string): string[] =>
  [...finalDecisions(output)].map(([offset, d]) => `${offset}:${d.reasons.filter((r) => r.startsWith(prefix)).join(',')}`);

const PREFIX = { frequency: 'frequency>', location: 'travel>', zscore: 'zscore>' };

/**
 * The first half through `before`, written down and restored, the second half through `after`;
 * and the whole uninterrupted through `after`: what each rule of both decided, for comparison.
 */
async function acrossRestart(before: AccountRule<unknown>[], after: AccountRule<unknown>[], through: 'checkpoint' | 'memory' = 'checkpoint') {
  const input = arrivalOrder(generate(600, 3), LATENESS, 9);
  const store = new RulesStore('rules');
  const first = await judgeAll(input.slice(0, 300), before, { store });
  const restoredLog: RulesRestored[] = [];
  const second = await judgeAll(input.slice(300), after, { store: through === 'memory' ? store : restoredCopy(store, 300), onRestored: (r) => restoredLog.push(r) });
  const whole = await judgeAll(input, after);
  return { restarted: [...first, ...second], whole, restoredLog };
}

describe('decideOnArrival: rule state by name and version', () => {
  it('writes each rule state under its name and version', async () => {
    const store = new RulesStore('rules');
    // the first folded (the second is 400 s later, past the lateness), the second held
    await judgeAll([tx(0, 0, { location: { lat: 4, lon: 9.7, country: 'CM' } }), tx(1, 400)], [frequency(), location(), zscore()], { store });
    const [taken] = store.accounts.snapshot([{ topic: 'test', partition: 0, offset: 2 }]);
    const written = taken!.changes.get('A') as { base: Record<string, unknown> };
    expect(Object.keys(written.base)).toEqual(['frequency@1', 'location@1', 'amountZScore@1']);
    expect(written.base['amountZScore@1']).toEqual([100]);
  });

  it('restored with fewer rules: each keeps its own state, the others are dropped, as an uninterrupted run', async () => {
    const { restarted, whole, restoredLog } = await acrossRestart([frequency(), location(), zscore()], [location(), zscore()]);
    expect(verdictsOf(restarted, PREFIX.location)).toEqual(verdictsOf(whole, PREFIX.location));
    expect(verdictsOf(restarted, PREFIX.zscore)).toEqual(verdictsOf(whole, PREFIX.zscore));
    expect(restoredLog).toHaveLength(1);
    expect(restoredLog[0]).toMatchObject({ topic: 'test', partition: 0, started: [], dropped: [{ rule: 'frequency', accounts: 8 }], positional: 0 });
  });

  it('restored with more rules: the new one starts empty (said once for the partition), the others carry on', async () => {
    const { restarted, whole, restoredLog } = await acrossRestart([frequency()], [frequency(), location(), zscore()]);
    expect(verdictsOf(restarted, PREFIX.frequency)).toEqual(verdictsOf(whole, PREFIX.frequency));
    expect(verdictsOf(whole, PREFIX.frequency).some((v) => v.includes('frequency>'))).toBe(true);
    expect(restoredLog).toEqual([
      {
        topic: 'test',
        partition: 0,
        accounts: 8,
        started: [
          { rule: 'location', accounts: 8 },
          { rule: 'amountZScore', accounts: 8 },
        ],
        dropped: [],
        migrated: [],
        positional: 0,
      },
    ]);
  });

  it('restored with the rules reordered: the decisions and revisions of an uninterrupted run', async () => {
    const { restarted, whole, restoredLog } = await acrossRestart([frequency(), location(), zscore()], [zscore(), location(), frequency()]);
    expect(whole.filter((j) => (j.revision ?? 0) > 0).length).toBeGreaterThan(0);
    for (const prefix of Object.values(PREFIX)) expect(verdictsOf(whole, prefix).some((v) => v.includes(prefix)), prefix).toBe(true);
    // after the restart, the very outputs of an uninterrupted run; before it, the same per rule
    expect(restarted.slice(-300)).toEqual(whole.slice(-300));
    for (const prefix of Object.values(PREFIX)) expect(verdictsOf(restarted, prefix)).toEqual(verdictsOf(whole, prefix));
    expect(restoredLog).toEqual([]);
  });

  it('takes over a store another operator held in memory (no checkpoint between): each rule its own state', async () => {
    const { restarted, whole, restoredLog } = await acrossRestart([frequency(), location(), zscore()], [zscore(), location(), frequency()], 'memory');
    expect(restarted.slice(-300)).toEqual(whole.slice(-300));
    expect(restoredLog).toEqual([]);
    const same = await acrossRestart([frequency(), location()], [frequency(), location()], 'memory');
    expect(same.restarted).toEqual(same.whole);
  });

  it('a checkpoint taken after the hand-over, before the new operator met the partition, names each state by the rules that hold it', async () => {
    const input = arrivalOrder(generate(600, 3), LATENESS, 9);
    const store = new RulesStore('rules');
    const first = await judgeAll(input.slice(0, 300), [frequency(), location(), zscore()], { store });
    // another operator with the rules reordered takes the store, and a checkpoint is taken before its first record
    const idle = new Subject<TransactionRecord>().pipe(judge(), decideOnArrival([zscore(), location(), frequency()], { allowedLatenessMs: LATENESS, store })).subscribe();
    const checkpoint = restoredCopy(store, 300);
    idle.unsubscribe();
    const after = [zscore(), location(), frequency()];
    const second = await judgeAll(input.slice(300), after, { store: checkpoint });
    const whole = await judgeAll(input, after);
    expect([...first, ...second].slice(-300)).toEqual(whole.slice(-300));
    for (const prefix of Object.values(PREFIX)) expect(verdictsOf([...first, ...second], prefix)).toEqual(verdictsOf(whole, prefix));
  });

  /** A rule counting an account's transactions; its state's shape at version 1 was `{ n }`. */
  const counter = (version: number, migrate?: AccountRule<number>['migrate']): AccountRule<unknown> =>
    ({
      name: 'counter',
      version,
      ttlMs: 3_600_000,
      init: () => (version === 1 ? { n: 0 } : 0),
      step: (state: unknown) => {
        const n = (version === 1 ? (state as { n: number }).n : (state as number)) + 1;
        return { state: version === 1 ? { n } : n, flags: [{ reason: `count=${n}`, score: 1 }] };
      },
      ...(migrate ? { migrate } : {}),
    }) as AccountRule<unknown>;
  // 400 s apart, lateness 300 s: the first two are folded into the written state, the third held
  const three = [tx(0, 0), tx(1, 400), tx(2, 800)];

  it('refuses state written by another version of a rule that cannot migrate it, naming the rule and both versions', async () => {
    const store = new RulesStore('rules');
    await judgeAll(three, [counter(1)], { store });
    await expect(judgeAll([tx(3, 801)], [counter(2)], { store: restoredCopy(store, 3) })).rejects.toThrow(
      "rule counter: the restored state was written by its version 1, this vigie's counter is version 2 and cannot migrate it; start this consumer group afresh (its state in vigie_state) or run the vigie that wrote it (topic=test partition=0)",
    );
  });

  it("migrates state written by another version of a rule through the rule's migrate", async () => {
    const store = new RulesStore('rules');
    await judgeAll(three, [counter(1)], { store });
    const calls: [number, unknown][] = [];
    const restoredLog: RulesRestored[] = [];
    const migrate = (from: number, state: unknown): number => {
      calls.push([from, state]);
      return (state as { n: number }).n;
    };
    const out = await judgeAll([tx(3, 801)], [counter(2, migrate)], { store: restoredCopy(store, 3), onRestored: (r) => restoredLog.push(r) });
    expect(calls).toEqual([[1, { n: 2 }]]);
    expect(out.map((j) => j.reasons)).toEqual([['count=4']]);
    expect(restoredLog[0]!.migrated).toEqual([{ rule: 'counter', from: 1, accounts: 1 }]);
  });

  it('does not read a checkpoint of the positional layout (vigie up to d418ce4): every rule starts empty, said once', async () => {
    // what d418ce4 wrote after `--rules frequency` (one array) and after the default rules (three)
    const store = new RulesStore('rules');
    const last = Date.UTC(2026, 10, 22, 10, 0, 0);
    store.accounts.restore('test', 0, [
      ['', { maxTime: last }],
      ['A', { base: [[last]], last }],
      ['B', { base: [[last], { last: null, countries: ['CM'], withCountry: 1 }, [100]], last }],
    ]);
    const restoredLog: RulesRestored[] = [];
    const input = [tx(0, 1, { account: 'A', location: { lat: 4, lon: 9.7, country: 'CM' } }), tx(1, 2, { account: 'B', location: { lat: 48.8, lon: 2.3, country: 'FR' } })];
    const out = await judgeAll(input, [frequency(), location(), zscore()], { store, onRestored: (r) => restoredLog.push(r) });
    expect(out.map((j) => j.reasons)).toEqual([[], []]);
    expect(restoredLog).toEqual([{ topic: 'test', partition: 0, accounts: 2, started: [], dropped: [], migrated: [], positional: 2 }]);
    // written again by name at the next checkpoint
    const [taken] = store.accounts.snapshot([{ topic: 'test', partition: 0, offset: 2 }]);
    expect(Object.keys((taken!.changes.get('A') as { base: object }).base)).toEqual(['frequency@1', 'location@1', 'amountZScore@1']);
  });

  it('refuses two rules of one name: their states would be one', () => {
    expect(() => decideOnArrival([frequency(), frequency()])).toThrow('two rules named alike (frequency, frequency)');
  });
});
