import { describe, expect, it } from 'vitest';
import { decideOnArrival } from '../../../src/operators/rules/decideOnArrival.ts';
import { frequencyRule } from '../../../src/operators/rules/frequency.ts';
import type { AccountRule } from '../../../src/operators/rules/accountRule.ts';
import { takeFromEndlessSource } from '../../helpers/endless.ts';
import { marbles } from '../../helpers/marbles.ts';
import { judged, tx } from './records.ts';

describe('decideOnArrival', () => {
  const a = judged(tx(0, 0));
  const b = judged(tx(1, 20));
  const c = judged(tx(2, 10));
  const rules = [frequencyRule({ max: 1, windowMs: 30_000 })];

  it('decides on arrival and revises what an out-of-order record changes (the doc example)', marbles((m) => {
    const source = m.cold('-a-b-(c|)', { a, b, c });
    m.expect(source.pipe(decideOnArrival(rules))).toBeObservable('-a-B-(CR|)', {
      a,
      B: judged(b.record, ['frequency>1/30s'], 2),
      C: judged(c.record, ['frequency>1/30s'], 2),
      R: { ...judged(b.record, ['frequency>1/30s'], 3), revision: 1, cause: c.record.ref },
    });
  }));

  it('keeps the reasons given by the rules before it, the stateful ones after', marbles((m) => {
    const given = judged(b.record, ['amount>10000XAF'], 1.5);
    m.expect(m.cold('-a-b-|', { a, b: given }).pipe(decideOnArrival(rules))).toBeObservable('-a-B-|', {
      a,
      B: judged(b.record, ['amount>10000XAF', 'frequency>1/30s'], 2),
    });
  }));

  it('takes a label event behind the watermark at the partition\'s newest time, where a late transaction is left out', marbles((m) => {
    // counts the labels seen before each transaction, and flags when there is one
    const labels: AccountRule<number> = {
      name: 'labels',
      version: 1,
      ttlMs: 600_000,
      init: () => 0,
      step: (n, t) => (t.label !== undefined ? { state: n + 1, flags: [] } : { state: n, flags: n > 0 ? [{ reason: `labels=${n}`, score: n }] : [] }),
    };
    const early = judged(tx(0, 0));
    const later = judged(tx(1, 100));
    const late = judged(tx(2, 5)); // 95 s behind, lateness 30 s
    const label = judged(tx(3, 5, { label: 'fraud', transaction_id: 0 }));
    const after = judged(tx(4, 101));
    const source = m.cold('-a-b-c-l-d-|', { a: early, b: later, c: late, l: label, d: after });
    m.expect(source.pipe(decideOnArrival([labels]))).toBeObservable('-a-b-c-l-D-|', {
      a: early,
      b: later,
      c: { ...late, late: true },
      l: label,
      D: judged(after.record, ['labels=1'], 1),
    });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-a-#', { a }).pipe(decideOnArrival(rules))).toBeObservable('-a-#', { a });
  }));

  it('sends a throw of a rule to the stream as an error', marbles((m) => {
    const broken: AccountRule<null> = { name: 'broken', version: 1, ttlMs: 60_000, init: () => null, step: () => { throw new Error('broken rule'); } };
    m.expect(m.cold('-a-b-|', { a, b }).pipe(decideOnArrival([broken]))).toBeObservable('-#', undefined, new Error('broken rule'));
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-|', { a, b, c });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(decideOnArrival(rules)), subs).toBeObservable('-a-', { a });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops an endless synchronous source once the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(decideOnArrival(rules), (i) => judged(tx(i, i * 60)), 3);
    expect(outputs).toHaveLength(3);
    expect(produced).toBe(3);
  });

  it('refuses a TTL that would forget what the lateness may still revise', () => {
    expect(() => decideOnArrival([frequencyRule({ windowMs: 1000, ttlMs: 1000 })], { allowedLatenessMs: 5000 })).toThrow(/ttlMs \(1000\) must be above allowedLatenessMs \(5000\)/);
  });
});
