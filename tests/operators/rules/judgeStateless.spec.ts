import { describe, expect, it } from 'vitest';
import { from } from 'rxjs';
import { judgeStateless } from '../../../src/operators/rules/judgeStateless.ts';
import { RuleBook } from '../../../src/rules/ruleBook.ts';
import type { Rule } from '../../../src/rules/schema.ts';
import { takeFromEndlessSource } from '../../helpers/endless.ts';
import { marbles } from '../../helpers/marbles.ts';
import { judged, tx } from './records.ts';

const amount: Rule = { id: 'amount', version: 1, value: { field: 'amount' }, compare: '>', limit: { by: 'currency', limits: { XAF: 10_000 } }, reason: 'amount>{limit}{currency}' };
const count: Rule = { id: 'count', version: 1, value: { aggregate: 'count', window: '1min' }, compare: '>', limit: 0 };

describe('judgeStateless', () => {
  const a = judged(tx(0, 0, { amount: 100 }));
  const b = judged(tx(1, 10, { amount: 15_000 }));
  const e = judged(tx(2, 20, { amount: 50_000, currency: 'EUR' }));

  it('flags what a stateless rule in force fires on (the doc example); a stateful rule is left to judgeByRules', marbles((m) => {
    const book = RuleBook.of([amount, count]);
    m.expect(m.cold('-a-b-e-|', { a, b, e }).pipe(judgeStateless(book))).toBeObservable('-a-B-e-|', { a, e, B: { ...b, reasons: ['amount>10000XAF'], score: 1.5 } });
  }));

  it('says which rule and version fired when asked to explain, after the reasons already given', marbles((m) => {
    const given = { ...b, reasons: ['earlier'], score: 2 };
    m.expect(m.cold('-b-|', { b: given }).pipe(judgeStateless(RuleBook.of([amount]), { explain: true }))).toBeObservable('-B-|', {
      B: { ...given, reasons: ['earlier', 'amount>10000XAF'], score: 2, fired: [{ id: 'amount', version: 1, value: 15_000, limit: 10_000, reason: 'amount>10000XAF', score: 1.5 }] },
    });
  }));

  it('gives the features of the stateless rules in force when asked, null where a rule does not apply', marbles((m) => {
    const size: Rule = { id: 'f-size', version: 1, value: { field: 'amount' }, feature: 'size' };
    const euros: Rule = { id: 'f-eur', version: 1, when: [{ field: 'currency', op: '==', value: 'EUR' }], value: { field: 'amount' }, feature: 'euros' };
    const book = RuleBook.of([amount, size, euros]);
    m.expect(m.cold('-b-e-|', { b, e }).pipe(judgeStateless(book, { features: true }))).toBeObservable('-B-E-|', {
      B: { ...b, reasons: ['amount>10000XAF'], score: 1.5, features: { size: 15_000, euros: null } },
      E: { ...e, features: { size: 50_000, euros: 50_000 } },
    });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-a-#', { a }).pipe(judgeStateless(RuleBook.of([amount])))).toBeObservable('-a-#', { a });
  }));

  it('sends a throw while judging to the stream as an error', () => {
    const broken = { ...a, record: { ...a.record, transaction: { ...a.record.transaction, timestamp: 'never' } } };
    const seen: unknown[] = [];
    from([a, broken, b]).pipe(judgeStateless(RuleBook.of([amount]))).subscribe({ next: (j) => seen.push(j.record.ref.offset), error: (err: { code?: string }) => seen.push(err.code) });
    expect(seen).toEqual([0, 'TIMESTAMP_INVALID']);
  });

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-e-|', { a, b, e });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(judgeStateless(RuleBook.of([amount]))), subs).toBeObservable('-a-', { a });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops an endless synchronous source once the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(judgeStateless(RuleBook.of([amount])), (i) => judged(tx(i, i)), 3);
    expect(outputs).toHaveLength(3);
    expect(produced).toBe(3);
  });
});
