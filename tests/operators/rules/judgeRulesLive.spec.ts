/**
 * `judgeRules({ book })`, the rules of a book that changes while the stream runs (the control
 * topic): judged without state while no rule in force keeps any, with state from the first record
 * after a stateful rule came; the order of the records kept, errors and unsubscription passed on.
 */
import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, tap, toArray } from 'rxjs';
import { judgeRules } from '../../../src/operators/rules/judgeRules.ts';
import { defaultRuleFile } from '../../../src/rules/defaultRules.ts';
import { RuleBook } from '../../../src/rules/ruleBook.ts';
import type { Judged } from '../../../src/operators/rules/judged.ts';
import { takeFromEndlessSource } from '../../helpers/endless.ts';
import { marbles } from '../../helpers/marbles.ts';
import { tx } from './records.ts';

const amount = defaultRuleFile().find((r) => r.id === 'amount')!;
const frequency = { ...defaultRuleFile().find((r) => r.id === 'frequency')!, limit: 2 };
const line = (j: Judged): string => `${j.record.ref.offset}:${j.reasons.join(',')}${j.fired ? `|${j.fired.map((f) => `${f.id}@${f.version}`).join(',')}` : ''}`;

describe('judgeRules with a live book', () => {
  it('judges without state until a stateful rule comes, then with state from empty', async () => {
    const book = RuleBook.of([amount]);
    const records = Array.from({ length: 8 }, (_, i) => tx(i, i * 10, { amount: i === 1 ? 15_000 : 100 }));
    const judged = await lastValueFrom(
      from(records).pipe(
        // frequency (more than 2 in 10 min) comes after the 4th record is judged
        tap((r) => r.ref.offset === 4 && book.apply({ id: 'frequency', rule: frequency, at: Number.NEGATIVE_INFINITY, source: 'test' })),
        judgeRules({ book, explain: true }),
        toArray(),
      ),
    );
    // 4 to 7 counted from 4 on: the 3rd of them (6) is the first above 2
    expect(judged.map(line)).toEqual(['0:', '1:amount>10000XAF|amount@1', '2:', '3:', '4:', '5:', '6:frequency>2/10min|frequency@1', '7:frequency>2/10min|frequency@1']);
  });

  it('keeps no state and makes no revision while the rules keep none', async () => {
    const book = RuleBook.of([amount]);
    // out of order, yet each judged alone: no revision, nothing late
    const judged = await lastValueFrom(from([tx(0, 0), tx(2, 20, { amount: 20_000 }), tx(1, 10, { amount: 12_000 })]).pipe(judgeRules({ book }), toArray()));
    expect(judged.map((j) => [j.record.ref.offset, j.reasons, j.revision, j.late])).toEqual([
      [0, [], undefined, false],
      [2, ['amount>10000XAF'], undefined, false],
      [1, ['amount>10000XAF'], undefined, false],
    ]);
  });

  it('passes an error on, from either branch', marbles((m) => {
    const book = RuleBook.of([amount]);
    const b = tx(1, 10, { amount: 15_000 });
    m.expect(m.cold('-a-b-#', { a: tx(0, 0), b }).pipe(judgeRules({ book }))).toBeObservable('-A-B-#', {
      A: { record: tx(0, 0), reasons: [], score: 0, late: false },
      B: { record: b, reasons: ['amount>10000XAF'], score: 1.5, late: false },
    });
  }));

  it('completes when the source does, and stops it when unsubscribed', marbles((m) => {
    const book = RuleBook.of([amount, frequency]);
    const source = m.hot('-a-b-c-|', { a: tx(0, 0), b: tx(1, 10), c: tx(2, 20) });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(judgeRules({ book })), subs).toBeObservable('-a--', { a: { record: tx(0, 0), reasons: [], score: 0, late: false } });
    m.expect(source).toHaveSubscriptions(subs);
    m.expect(m.cold('-|').pipe(judgeRules({ book }))).toBeObservable('-|');
  }));

  it('stops an endless synchronous source once the consumer has enough', () => {
    const book = RuleBook.of([amount]);
    const { outputs, produced } = takeFromEndlessSource(judgeRules({ book }), (i) => tx(i, i), 50);
    expect(outputs).toHaveLength(50);
    expect(produced).toBe(50);
  });
});
