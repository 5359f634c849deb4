/**
 * ruleFeatures: the rules' aggregates as a model's features. Training replays history through
 * `ruleFeatures`; serving runs `judgeByRules(book, { features: true })` in the stream, across a
 * restart from a checkpoint: the same records in the same order must give the same values, value
 * by value, and a rule that fires fires with its feature's value.
 */
import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { RulesStore } from '../../../src/operators/rules/decideOnArrival.ts';
import { judgeByRules } from '../../../src/operators/rules/judgeByRules.ts';
import { ruleFeatures } from '../../../src/operators/rules/ruleFeatures.ts';
import { RuleBook } from '../../../src/rules/ruleBook.ts';
import type { Rule } from '../../../src/rules/schema.ts';
import { takeFromEndlessSource } from '../../helpers/endless.ts';
import { marbles } from '../../helpers/marbles.ts';
import { arrivalOrder, generate, restoredCopy, tx } from './records.ts';

const count: Rule = { id: 'count', version: 1, value: { aggregate: 'count', window: '10min' }, feature: 'count10min' };
const rules: Rule[] = [
  count,
  { id: 'sum', version: 1, value: { aggregate: 'sum', field: 'amount', window: '1h' }, compare: '>', limit: 30_000, feature: 'sum1h' },
  { id: 'mean-terminal', version: 1, key: ['account', 'terminal'], value: { aggregate: 'mean', field: 'amount', window: { last: 5 } }, feature: 'meanAtTerminal' },
  { id: 'z', version: 1, value: { zscore: { field: 'amount', last: 20, minHistory: 5 } }, compare: '>', limit: 3.5, feature: 'zAmount' },
  { id: 'speed', version: 1, value: { speedKmh: {} }, feature: 'speedKmh' },
  { id: 'big', version: 1, when: [{ field: 'currency', op: '==', value: 'XAF' }], value: { field: 'amount' }, feature: 'amountXaf' },
];

describe('ruleFeatures', () => {
  const a = tx(0, 0);
  const b = tx(1, 60);
  const c = tx(2, 120);

  it('gives each record the values of the rules that name a feature (the doc example)', marbles((m) => {
    m.expect(m.cold('-a-b-c-|', { a, b, c }).pipe(ruleFeatures(RuleBook.of([count])))).toBeObservable('-A-B-C-|', {
      A: { record: a, features: { count10min: 1 } },
      B: { record: b, features: { count10min: 2 } },
      C: { record: c, features: { count10min: 3 } },
    });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-a-#', { a }).pipe(ruleFeatures(RuleBook.of([count])))).toBeObservable('-A-#', { A: { record: a, features: { count10min: 1 } } });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-|', { a, b, c });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(ruleFeatures(RuleBook.of([count]))), subs).toBeObservable('-A-', { A: { record: a, features: { count10min: 1 } } });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops an endless synchronous source once the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(ruleFeatures(RuleBook.of([count])), (i) => tx(i, i * 60), 3);
    expect(outputs).toHaveLength(3);
    expect(produced).toBe(3);
  });

  it('computes in training (one replay) the same values, value by value, as serving in the stream across a restart', async () => {
    const lateness = 5 * 60_000;
    const input = arrivalOrder(generate(600, 8), lateness, 4).map((r, i) => ({ ...r, transaction: { ...r.transaction, terminal: `T${i % 3}` } }));
    // training: history replayed in one pass
    const training = await lastValueFrom(from(input).pipe(ruleFeatures(RuleBook.of(rules), { allowedLatenessMs: lateness }), toArray()));
    // serving: the stream, stopped at 300 and restarted from its checkpoint, judging and explaining
    const serve = (records: typeof input, store: RulesStore) =>
      lastValueFrom(from(records).pipe(judgeByRules(RuleBook.of(rules), { allowedLatenessMs: lateness, store, features: true }), toArray()));
    const store = new RulesStore('rules');
    const served = [...(await serve(input.slice(0, 300), store)), ...(await serve(input.slice(300), restoredCopy(store, 300)))].filter((j) => (j.revision ?? 0) === 0);
    expect(served).toHaveLength(input.length);
    expect(training.map((row) => [row.record.ref.offset, row.features])).toEqual(served.map((j) => [j.record.ref.offset, j.features]));
    // every feature took values, and not one value for all
    for (const name of ['count10min', 'sum1h', 'meanAtTerminal', 'zAmount', 'speedKmh', 'amountXaf']) {
      expect(new Set(training.map((row) => row.features[name])).size, name).toBeGreaterThan(2);
    }
    // a rule that fires fires with its feature's value
    const byName = { sum: 'sum1h', z: 'zAmount' } as const;
    let checked = 0;
    for (const j of served) {
      for (const f of j.fired ?? []) {
        expect(f.value).toBe(j.features![byName[f.id as keyof typeof byName]]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
