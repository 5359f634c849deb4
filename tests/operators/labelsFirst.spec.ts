/**
 * labelsFirst: stored history as the rules see it, each transaction's label events (known by its
 * time) before it, the fraud flag left behind.
 */
import { describe, expect, it } from 'vitest';
import { labelsFirst } from '../../src/operators/labelsFirst.ts';
import type { TransactionRecord } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

const BASE = Date.UTC(2026, 11, 1);
const record = (offset: number, label?: 'fraud' | 'verdict-genuine'): TransactionRecord => ({
  transaction: { id: 1, transaction_id: offset, amount: label ? 0 : 10, currency: 'XAF', timestamp: new Date(BASE + offset * 1000).toISOString(), account: 'C1', ...(label && { label }) },
  ref: { source: 'postgres:transactions', partition: 0, offset },
});

describe('labelsFirst', () => {
  const a = { record: record(0), fraud: true };
  const L = record(1, 'fraud');
  const G = record(2, 'verdict-genuine');
  const b = { record: record(3), fraud: false, labels: [L, G] };

  it('gives each transaction\'s label events before it (the doc example)', marbles((m) => {
    m.expect(m.cold('-a-----b-----|', { a, b }).pipe(labelsFirst())).toBeObservable('-a-----(LGb)-|', { a: a.record, b: b.record, L, G });
  }));

  it('completes with the source', marbles((m) => {
    m.expect(m.cold('-a-|', { a }).pipe(labelsFirst())).toBeObservable('-a-|', { a: a.record });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-a-#', { a }).pipe(labelsFirst())).toBeObservable('-a-#', { a: a.record });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-a-|', { a, b });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(labelsFirst()), subs).toBeObservable('-a-', { a: a.record });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops an endless synchronous source once the consumer has enough', () => {
    // every odd transaction carries one label event: tx0, L, tx1, tx2, L
    const { outputs, produced } = takeFromEndlessSource(labelsFirst(), (i) => ({ record: record(i), fraud: false, ...(i % 2 === 1 && { labels: [record(i, 'fraud')] }) }), 5);
    expect(outputs.map((r) => r.transaction.label ?? 'tx')).toEqual(['tx', 'fraud', 'tx', 'tx', 'fraud']);
    expect(produced).toBe(4);
  });
});
