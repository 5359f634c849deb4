import { describe, expect, it } from 'vitest';
import { amountThreshold } from '../../src/operators/amountThreshold.ts';
import type { TransactionRecord } from '../../src/types.ts';
import { marbles } from '../helpers/marbles.ts';

const tx = (offset: number, amount: number, currency = 'XAF'): TransactionRecord => ({
  transaction: { id: 1000 + offset, transaction_id: 10_000 + offset, amount, currency, timestamp: '2026-11-22 10:00:00' },
  ref: { source: 'test', partition: 0, offset },
});

describe('amountThreshold', () => {
  const a = tx(0, 10_000);
  const b = tx(1, 15_000);
  const c = tx(2, 50_000, 'EUR');
  const d = tx(3, 10_000.01);

  it('keeps only amounts strictly above the limit of their currency', marbles((m) => {
    const source = m.cold('-a----b----c----d--|', { a, b, c, d });
    const expected = /*  */ '------B---------D--|';
    m.expect(source.pipe(amountThreshold())).toBeObservable(expected, {
      B: { ...b, reasons: ['amount>10000XAF'], score: 1.5 },
      D: { ...d, reasons: ['amount>10000XAF'], score: 10_000.01 / 10_000 },
    });
  }));

  it('takes a limit per currency', marbles((m) => {
    const source = m.cold('-a-b-c-|', { a, b, c });
    m.expect(source.pipe(amountThreshold({ limits: { EUR: 100 } }))).toBeObservable('-----C-|', {
      C: { ...c, reasons: ['amount>100EUR'], score: 500 },
    });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-b-#', { b }).pipe(amountThreshold())).toBeObservable('-B-#', {
      B: { ...b, reasons: ['amount>10000XAF'], score: 1.5 },
    });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-b-b-b-b-|', { b });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(amountThreshold()), subs).toBeObservable('-B--', {
      B: { ...b, reasons: ['amount>10000XAF'], score: 1.5 },
    });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('rejects a limit that is not a positive number, naming the currency', () => {
    expect(() => amountThreshold({ limits: { XAF: -1 } })).toThrow(/limit for XAF must be a positive number, got -1/);
    expect(() => amountThreshold({ limits: { XAF: Number.NaN } })).toThrow(/XAF/);
  });
});
