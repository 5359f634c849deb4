import { describe, expect, it } from 'vitest';
import { RuleBook } from '../../src/rules/ruleBook.ts';
import type { Rule } from '../../src/rules/schema.ts';

const rule = (id: string, version: number, limit: number, extra: Partial<Rule> = {}): Rule => ({ id, version, value: { field: 'amount' }, compare: '>', limit, ...extra });
const versions = (book: RuleBook, time: number): string[] => book.inForceAt(time).rules.map((r) => `${r.id}@${r.version}`);

describe('RuleBook', () => {
  it('gives the versions in force at any event time, a change holding from its time', () => {
    const book = RuleBook.of([rule('a', 1, 10)]);
    book.apply({ id: 'a', rule: rule('a', 2, 20), at: 1000, source: 't' });
    book.apply({ id: 'b', rule: rule('b', 1, 5), at: 500, source: 't' });
    book.apply({ id: 'a', rule: null, at: 3000, source: 't' });
    book.apply({ id: 'b', rule: rule('b', 2, 5, { enabled: false }), at: 2000, source: 't' });
    expect(versions(book, 0)).toEqual(['a@1']);
    expect(versions(book, 500)).toEqual(['a@1', 'b@1']);
    expect(versions(book, 999)).toEqual(['a@1', 'b@1']);
    expect(versions(book, 1000)).toEqual(['a@2', 'b@1']);
    expect(versions(book, 2500)).toEqual(['a@2']);
    expect(versions(book, 3000)).toEqual([]);
    // the same rules in force between two changes are one object (the engine prunes state by it)
    expect(book.inForceAt(1200)).toBe(book.inForceAt(1900));
    expect(book.inForceAt(1200)).not.toBe(book.inForceAt(2100));
    expect(book.history().map((v) => `${v.id}@${v.rule?.version ?? 'removed'}:${v.at}`)).toEqual(['a@1:-Infinity', 'b@1:500', 'a@2:1000', 'b@2:2000', 'a@removed:3000']);
    expect(book.list().map((v) => `${v.id}@${v.rule!.version}`)).toEqual(['b@2']);
  });

  it('offers a transaction only the rules whose first equality it may pass, in rule order', () => {
    const book = RuleBook.of([
      rule('xaf', 1, 1, { when: [{ field: 'currency', op: '==', value: 'XAF' }] }),
      rule('all', 1, 1),
      rule('card', 1, 1, { when: [{ field: 'channel', op: 'in', value: ['card', 'atm'] }] }),
      rule('eur', 1, 1, { when: [{ field: 'currency', op: '==', value: 'EUR' }] }),
    ]);
    const ids = (tx: object) => book.inForceAt(0).candidates(tx).map((r) => r.id);
    expect(ids({ currency: 'XAF', channel: 'atm' })).toEqual(['xaf', 'all', 'card']);
    expect(ids({ currency: 'EUR' })).toEqual(['all', 'eur']);
    expect(ids({ currency: 'USD', channel: 'web' })).toEqual(['all']);
  });
});
