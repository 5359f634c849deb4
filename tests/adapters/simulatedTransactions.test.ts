import { TestScheduler } from 'rxjs/testing';
import { take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { localTimestamp, simulatedTransactions } from '../../src/adapters/simulatedTransactions.ts';
import type { TransactionRecord } from '../../src/types.ts';

function run(count: number, seed = 2): TransactionRecord[] {
  const scheduler = new TestScheduler(() => {});
  let out: TransactionRecord[] = [];
  scheduler.run(() => {
    simulatedTransactions({ source: 'sim', seed, rate: 1, scheduler }).pipe(take(count), toArray()).subscribe((all) => (out = all));
  });
  return out;
}

describe('simulatedTransactions', () => {
  const sample = run(5_000);

  it('draws the prototype\'s fields and ranges', () => {
    for (const { transaction: t } of sample) {
      expect(Number.isInteger(t.id) && t.id >= 1000 && t.id <= 9999).toBe(true);
      expect(Number.isInteger(t.transaction_id) && t.transaction_id >= 10_000 && t.transaction_id <= 99_999).toBe(true);
      expect(t.amount).toBeGreaterThanOrEqual(100);
      expect(t.amount).toBeLessThanOrEqual(20_000);
      expect(Math.round(t.amount * 100) / 100).toBe(t.amount);
      expect(t.currency).toBe('XAF');
      expect(t.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    }
  });

  it('has amounts uniform over 100-20000: about half above 10 000 XAF', () => {
    const above = sample.filter((r) => r.transaction.amount > 10_000).length / sample.length;
    expect(above).toBeGreaterThan(0.47);
    expect(above).toBeLessThan(0.53);
  });

  it('is deterministic for a seed, one per second, numbered like a partition', () => {
    expect(run(20)).toEqual(run(20));
    expect(run(20, 3)).not.toEqual(run(20));
    expect(sample.slice(0, 3).map((r) => r.ref.offset)).toEqual([0, 1, 2]);
    expect(sample[1]!.transaction.timestamp).toBe(localTimestamp(2000));
  });
});
