/**
 * The rule language's input paths, with generated inputs: whatever JSON or bytes reach the schema,
 * the compiler or the rule book (from a file, the control topic, a command), each is taken or
 * refused with a reason, never a throw, and a refused change leaves the rules in force as they
 * were. Generated valid rules run over generated transactions (fields missing, of the wrong
 * type) without a throw, and decide the same whatever the order of arrival within the lateness.
 */
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { judgeByRules } from '../../src/operators/rules/judgeByRules.ts';
import type { Judged } from '../../src/operators/rules/judged.ts';
import { compileRule } from '../../src/rules/compile.ts';
import { RuleBook } from '../../src/rules/ruleBook.ts';
import { type Rule, checkRule, checkRuleSet } from '../../src/rules/schema.ts';
import type { Transaction, TransactionRecord } from '../../src/types.ts';

const FIELDS = ['amount', 'currency', 'account', 'terminal', 'channel', 'type', 'balanceBefore', 'location.country', 'location.lat', 'location.lon'];
const field = fc.constantFrom(...FIELDS);
const numberField = fc.constantFrom('amount', 'balanceBefore', 'location.lat');
const duration = fc.constantFrom('30s', '1min', '10min', '1h', '1d');
const scalar = fc.oneof(fc.constantFrom('XAF', 'EUR', 'CASH_IN', 'card', 'CM'), fc.integer({ min: -10, max: 20_000 }), fc.boolean());
const filter = fc.oneof(
  fc.record({ field, op: fc.constantFrom('==', '!=', '>', '>=', '<', '<='), value: fc.oneof(scalar, field.map((f) => ({ current: f }))) }),
  fc.record({ field, op: fc.constantFrom('in', 'notIn'), value: fc.array(scalar, { minLength: 1, maxLength: 3 }) }),
  fc.record({ field, op: fc.constantFrom('exists', 'missing') }),
);
const window = fc.oneof(duration, fc.integer({ min: 1, max: 30 }).map((last) => ({ last })));
const leaf = fc.oneof(
  numberField.map((f) => ({ field: f })),
  fc.record(
    { aggregate: fc.constantFrom('count', 'sum', 'mean', 'max', 'min', 'distinct'), field: fc.option(field, { nil: undefined }), window, where: fc.option(fc.array(filter, { maxLength: 2 }), { nil: undefined }), current: fc.option(fc.constantFrom('include', 'exclude'), { nil: undefined }) },
    { requiredKeys: ['aggregate', 'window'] },
  ),
  fc.record({ zscore: fc.record({ field: numberField, last: fc.integer({ min: 1, max: 30 }), minHistory: fc.integer({ min: 1, max: 10 }) }) }),
  fc.constant({ speedKmh: {} }),
  fc.record({ isNew: fc.record({ field, minHistory: fc.integer({ min: 0, max: 4 }) }) }),
);
const value = fc.oneof({ weight: 4, arbitrary: leaf }, { weight: 1, arbitrary: fc.tuple(leaf, leaf).map((ratio) => ({ ratio })) });
const rule = (id: string): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(
    {
      id: fc.constant(id),
      version: fc.integer({ min: 1, max: 3 }),
      when: fc.array(filter, { maxLength: 2 }),
      key: fc.oneof(fc.constant('account'), fc.constant(['account', 'terminal']), fc.constant('terminal'), fc.constant(['terminal', 'type'])),
      value,
      compare: fc.constantFrom('>', '>=', '<', '<='),
      limit: fc.oneof(fc.double({ min: -5, max: 20_000, noNaN: true }), fc.constant({ by: 'currency', limits: { XAF: 10_000, EUR: 15 } })),
      reason: fc.constantFrom('{limit}', 'r>{limit}{currency}', '{value}', 'fixed', '{location.country}'),
      score: fc.constantFrom('ratio', 'value', 2),
    },
    { requiredKeys: ['id', 'version', 'value', 'compare', 'limit'] },
  );

/** Transactions with fields missing or of the wrong type, as a hand-built record may have them. */
const transaction = (i: number): fc.Arbitrary<Transaction> =>
  fc.record({
    id: fc.constant(i),
    transaction_id: fc.constant(i),
    amount: fc.oneof(fc.double({ min: 0, max: 30_000, noNaN: true }), fc.constant(0)),
    currency: fc.constantFrom('XAF', 'EUR'),
    // distinct event times (records of one time are ordered by their offsets, as on a partition),
    // all within the hour of lateness the test allows
    timestamp: fc.integer({ min: 0, max: 30 }).map((s) => new Date(Date.UTC(2026, 11, 7, 10) + (s * 100 + i) * 1000).toISOString()),
    account: fc.constantFrom('A', 'B', 'C'),
    terminal: fc.option(fc.constantFrom('T1', 'T2'), { nil: undefined }),
    type: fc.option(fc.constantFrom('CASH_IN', 'TRANSFER'), { nil: undefined }),
    balanceBefore: fc.option(fc.oneof(fc.double({ min: -10, max: 50_000, noNaN: true }), fc.constant(0)), { nil: undefined }),
    location: fc.option(fc.record({ lat: fc.double({ min: -90, max: 90, noNaN: true }), lon: fc.double({ min: -180, max: 180, noNaN: true }), country: fc.constantFrom('CM', 'FR', 'NG') }, { requiredKeys: [] }), { nil: undefined }),
  }) as fc.Arbitrary<Transaction>;

const records = fc.integer({ min: 1, max: 60 }).chain((n) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => transaction(i))).map((txs) => txs.map((t, i): TransactionRecord => ({ transaction: t, ref: { source: 't', partition: 0, offset: i } }))),
);

describe('the rule language, with generated inputs', () => {
  it('refuses any JSON or text that is not a rule with a reason naming where, and never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.string().map((s) => `{"id":"x","version":1,${s}`)), (input) => {
        const checked = checkRule(input);
        if (!checked.ok) expect(checked.reason).toMatch(/^\S.*: /);
        const set = checkRuleSet(input);
        if (!set.ok) expect(set.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('takes or refuses any change to a rule book, never throws, and a refused one leaves the rules as they were', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(rule('r1'), rule('r2'), fc.jsonValue(), fc.string(), fc.constant(null)), { maxLength: 8 }), (changes) => {
        const book = RuleBook.of([]);
        for (const change of changes) {
          const before = JSON.stringify(book.list().map((v) => [v.id, v.rule?.version, v.rule?.rule]));
          const id = typeof change === 'object' && change !== null && 'id' in change ? String((change as { id: unknown }).id) : 'r1';
          const outcome = book.applyRaw(id, typeof change === 'string' ? change : change === null ? null : JSON.stringify(change), 0, 'generated');
          if (!outcome.accepted) {
            expect(outcome.reason.length).toBeGreaterThan(0);
            expect(JSON.stringify(book.list().map((v) => [v.id, v.rule?.version, v.rule?.rule]))).toBe(before);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('runs any rule it accepts over transactions with odd fields without a throw; every value it fires with is a number', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.context()), { minLength: 1, maxLength: 4 }).chain((ids) => fc.tuple(...ids.map(([id]) => rule(id)))), records, async (rules, input) => {
        const accepted = rules.flatMap((r) => {
          const checked = checkRule(r);
          return checked.ok && compileRule(checked.value).ok ? [checked.value] : [];
        });
        const unique = [...new Map(accepted.map((r) => [r.id, r])).values()];
        const out = await lastValueFrom(from(input).pipe(judgeByRules(RuleBook.of(unique), { allowedLatenessMs: 600_000 }), toArray()));
        expect(out.filter((j) => (j.revision ?? 0) === 0)).toHaveLength(input.length);
        for (const j of out) for (const f of j.fired ?? []) expect(Number.isFinite(f.value) || Math.abs(f.value) === Infinity).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('decides the same whatever the order of arrival within the allowed lateness (distinct event times)', async () => {
    const finals = (out: readonly Judged[]) => {
      const last = new Map<number, string>();
      for (const j of out) last.set(j.record.ref.offset, `${j.reasons.join(',')}|${(j.fired ?? []).map((f) => `${f.id}@${f.version}=${f.value}`).join(',')}`);
      return [...last].sort(([a], [b]) => a - b);
    };
    await fc.assert(
      fc.asyncProperty(fc.tuple(rule('a'), rule('b')), records, fc.integer(), async (rules, input, seed) => {
        const accepted = rules.flatMap((r) => {
          const checked = checkRule(r);
          return checked.ok && compileRule(checked.value).ok ? [checked.value as Rule] : [];
        });
        const sorted = [...input].sort((x, y) => Date.parse(x.transaction.timestamp) - Date.parse(y.transaction.timestamp) || x.ref.offset - y.ref.offset);
        // the same records, in another order: offsets follow arrival, as on a partition
        const shuffled = fc.sample(fc.shuffledSubarray(sorted, { minLength: sorted.length, maxLength: sorted.length }), { seed, numRuns: 1 })[0]!;
        const relabel = (list: TransactionRecord[]) => list.map((r, i) => ({ ...r, ref: { ...r.ref, offset: i }, id: r.ref.offset }));
        const judgeAll = async (list: ReturnType<typeof relabel>) => {
          const out = await lastValueFrom(from(list).pipe(judgeByRules(RuleBook.of(accepted), { allowedLatenessMs: 3_600_000 }), toArray()));
          // by the original record, not by the arrival offset
          return finals(out).map(([offset, d]) => [list[offset]!.id, d] as const).sort(([a], [b]) => a - b);
        };
        expect(await judgeAll(relabel(shuffled))).toEqual(await judgeAll(relabel(sorted)));
      }),
      { numRuns: 100 },
    );
  });
});
