/**
 * `simulatedBank()` as an Observable source: labelled transactions in event-time order, made a
 * day at a time as they are taken, so a consumer that stops early stops the simulation (a bank of
 * 20 000 days is never made whole); the source of each record names the profile and seed, its
 * offset the transaction id.
 */
import { lastValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { DayBuilder } from '../../../src/adapters/simulatedBank/bankDay.ts';
import { simulatedBank } from '../../../src/adapters/simulatedBank/simulateBank.ts';

describe('simulatedBank()', () => {
  it('gives labelled transactions in event-time order, numbered, with their source', async () => {
    const all = await lastValueFrom(simulatedBank({ profile: 'handbook', customers: 200, terminals: 400, days: 5, seed: 4 }).pipe(toArray()));
    expect(all.length).toBeGreaterThan(500);
    all.forEach((t, i) => {
      expect(t.record.transaction.transaction_id).toBe(i);
      expect(t.record.ref).toEqual({ source: 'simulated-bank:handbook:4', partition: 0, offset: i });
      if (i > 0) expect(t.record.transaction.timestamp >= all[i - 1]!.record.transaction.timestamp).toBe(true);
    });
  });

  it('stops making days when the subscriber stops taking', async () => {
    const daysMade = vi.spyOn(DayBuilder.prototype, 'sorted');
    const first = await lastValueFrom(simulatedBank({ profile: 'cameroon', customers: 1_000, terminals: 100, days: 20_000 }).pipe(take(3), toArray()));
    expect(first.map((t) => t.record.transaction.transaction_id)).toEqual([0, 1, 2]);
    expect(daysMade).toHaveBeenCalledTimes(1);
    daysMade.mockRestore();
  });
});
