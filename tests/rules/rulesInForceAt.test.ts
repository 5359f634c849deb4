/**
 * The rule set in force at an event time, listed from a book's history: each rule's version that
 * judged then, and never one removed. Checked by example and, for generated histories of changes,
 * against the book's own `inForceAt` (the set the engine judges by).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuleBook } from '../../src/rules/ruleBook.ts';
import { rulesInForceAt } from '../../src/rules/rulesInForceAt.ts';
import type { Rule } from '../../src/rules/schema.ts';

const amount = (version: number, limit: number, extra: Partial<Rule> = {}): Rule => ({
  id: 'amount',
  version,
  value: { field: 'amount' },
  compare: '>',
  limit,
  ...extra,
});
const frequency = (version: number): Rule => ({ id: 'frequency', version, key: 'account', value: { aggregate: 'count', window: '10min' }, compare: '>', limit: 5 });
const at = (hhmm: string): number => Date.parse(`2026-12-07T${hhmm}:00Z`);
const listed = (book: RuleBook, time: number) => rulesInForceAt(book, time).map((v) => `${v.id}@${v.rule.version}${v.rule.enabled ? '' : ' (disabled)'} from ${v.source}`);

describe('rulesInForceAt', () => {
  it('lists the version of each rule in force at an event time, from when it took effect, removals left out', () => {
    const book = RuleBook.of([amount(1, 10_000), frequency(1)], 'rules/default.json');
    expect(book.applyRaw('amount', JSON.stringify(amount(2, 5_000)), at('10:00'), 'transaction.rules/0@1').accepted).toBe(true);
    expect(book.applyRaw('frequency', null, at('11:00'), 'transaction.rules/0@2').accepted).toBe(true);
    expect(book.applyRaw('amount', amount(3, 5_000, { enabled: false }), at('12:00'), 'vigie rules disable').accepted).toBe(true);

    expect(listed(book, at('09:00'))).toEqual(['amount@1 from rules/default.json', 'frequency@1 from rules/default.json']);
    // a version holds from its own instant on
    expect(listed(book, at('10:00') - 1)).toEqual(['amount@1 from rules/default.json', 'frequency@1 from rules/default.json']);
    expect(listed(book, at('10:00'))).toEqual(['amount@2 from transaction.rules/0@1', 'frequency@1 from rules/default.json']);
    expect(listed(book, at('11:00'))).toEqual(['amount@2 from transaction.rules/0@1']);
    expect(listed(book, at('12:30'))).toEqual(['amount@3 (disabled) from vigie rules disable']);
    expect(rulesInForceAt(book, at('10:30'))[0]!.at).toBe(at('10:00'));
    expect(rulesInForceAt(book, at('10:30'))[0]!.rule.rule.limit).toBe(5_000);
  });

  it("a rule's own `from` places its version in event time, whatever order the changes came in", () => {
    const book = RuleBook.of([amount(1, 10_000)]);
    // published late, but stated to hold from 08:00
    book.applyRaw('amount', amount(2, 7_000, { from: '2026-12-07T08:00:00Z' }), at('23:00'), 'file draft.json');
    expect(listed(book, at('07:59'))).toEqual(['amount@1 from code']);
    expect(listed(book, at('08:00'))).toEqual(['amount@2 from file draft.json']);
  });

  it('lists nothing before the first rule took effect, and refuses a time that is not a number', () => {
    const book = new RuleBook();
    book.applyRaw('frequency', frequency(1), at('10:00'), 'x');
    expect(rulesInForceAt(book, at('09:00'))).toEqual([]);
    expect(listed(book, Number.POSITIVE_INFINITY)).toEqual(['frequency@1 from x']);
    expect(() => rulesInForceAt(book, Date.parse('not a date'))).toThrow(/not a number/);
  });

  it('for any history of changes, names the enabled rules the book judges by at that time', () => {
    const change = fc.record({
      id: fc.constantFrom('a', 'b', 'c'),
      kind: fc.constantFrom('set', 'set', 'set', 'disable', 'remove'),
      minute: fc.integer({ min: 0, max: 120 }),
    });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 25 }), fc.integer({ min: -5, max: 130 }), (changes, minute) => {
        const book = new RuleBook();
        const versions = new Map<string, number>();
        for (const c of changes) {
          const time = at('10:00') + c.minute * 60_000;
          if (c.kind === 'remove') {
            book.applyRaw(c.id, null, time, 'p');
            continue;
          }
          const version = (versions.get(c.id) ?? 0) + 1;
          const rule = { ...amount(version, 100 * version, c.kind === 'disable' ? { enabled: false } : {}), id: c.id };
          if (book.applyRaw(c.id, rule, time, 'p').accepted) versions.set(c.id, version);
        }
        const time = at('10:00') + minute * 60_000;
        const listedNow = rulesInForceAt(book, time);
        const judging = book.inForceAt(time).rules.map((r) => `${r.id}@${r.version}`).sort();
        expect(listedNow.filter((v) => v.rule.enabled).map((v) => `${v.id}@${v.rule.version}`).sort()).toEqual(judging);
        // one version per rule, none after `time`
        expect(new Set(listedNow.map((v) => v.id)).size).toBe(listedNow.length);
        for (const v of listedNow) expect(v.at).toBeLessThanOrEqual(time);
      }),
      { numRuns: 300, seed: 23 },
    );
  });
});
