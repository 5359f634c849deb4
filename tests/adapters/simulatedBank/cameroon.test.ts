/**
 * The cameroon profile: every kind of fraud appears, each with the shape its scenario describes,
 * customers and terminals in Cameroonian cities, mobile money smaller than card.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FRAUD_KINDS } from '../../../src/adapters/simulatedBank/bankDay.ts';
import { CAMEROON } from '../../../src/adapters/simulatedBank/cameroon.ts';
import { CAMEROON_FRAUDS } from '../../../src/adapters/simulatedBank/cameroonFrauds.ts';
import { CAMEROON_CITIES, distanceKm } from '../../../src/adapters/simulatedBank/cities.ts';
import { type SimulatedBankTransaction, labelledTransactions } from '../../../src/adapters/simulatedBank/simulateBank.ts';

let all: SimulatedBankTransaction[];
beforeAll(() => {
  all = [...labelledTransactions({ profile: 'cameroon', customers: 6_000, terminals: 3_000, days: 30, seed: 11 })];
});

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const byAccount = (kind: string): Map<string, SimulatedBankTransaction[]> => {
  const groups = new Map<string, SimulatedBankTransaction[]>();
  for (const t of all) if (t.kind === kind) groups.set(t.record.transaction.account!, [...(groups.get(t.record.transaction.account!) ?? []), t]);
  return groups;
};

describe('the cameroon profile', () => {
  it('labels every kind of fraud, and a fraud is exactly a transaction with a kind', () => {
    const kinds = new Set(all.filter((t) => t.fraud).map((t) => t.kind));
    expect([...kinds].sort()).toEqual([...FRAUD_KINDS].sort());
    expect(all.every((t) => t.fraud === (t.kind !== undefined))).toBe(true);
  });

  it('places terminals in its cities, in XAF, with card and mobile money; mobile money is smaller', () => {
    const cities = new Map(CAMEROON_CITIES.map((c) => [c.name, c]));
    for (const t of all.slice(0, 5_000)) {
      const city = cities.get(t.city!)!;
      expect(city, t.city).toBeDefined();
      expect(distanceKm(city, t.record.transaction.location as { lat: number; lon: number })).toBeLessThan(10);
      expect(t.record.transaction.currency).toBe('XAF');
      expect(Number.isInteger(t.record.transaction.amount)).toBe(true);
    }
    const genuine = all.filter((t) => !t.fraud);
    const amounts = (channel: string) => genuine.filter((t) => t.record.transaction.channel === channel).map((t) => t.record.transaction.amount);
    const card = median(amounts('card'));
    const mobile = median(amounts('mobile-money'));
    expect(mobile).toBeLessThan(card);
    // medians near the profile's (each customer's own median spread around it)
    expect(card / CAMEROON.amount.card.median).toBeGreaterThan(0.7);
    expect(card / CAMEROON.amount.card.median).toBeLessThan(1.4);
    expect(mobile / CAMEROON.amount['mobile-money'].median).toBeGreaterThan(0.7);
    expect(mobile / CAMEROON.amount['mobile-money'].median).toBeLessThan(1.4);
    // the biggest cities hold the most activity
    const count = (city: string) => genuine.filter((t) => t.city === city).length;
    expect(count('Douala') + count('Yaoundé')).toBeGreaterThan(genuine.length / 2);
  });

  it('account takeover: larger amounts, within hours, from a far city at terminals the customer never used', () => {
    const homes = new Map<string, Map<string, number>>();
    const terminals = new Map<string, Set<string>>();
    for (const t of all) {
      if (t.fraud) continue;
      const a = t.record.transaction.account!;
      const counts = homes.get(a) ?? new Map<string, number>();
      counts.set(t.city!, (counts.get(t.city!) ?? 0) + 1);
      homes.set(a, counts);
      terminals.set(a, (terminals.get(a) ?? new Set()).add(t.record.transaction.terminal!));
    }
    const spells = byAccount('account-takeover');
    expect(spells.size).toBeGreaterThan(5);
    const cities = new Map(CAMEROON_CITIES.map((c) => [c.name, c]));
    let far = 0;
    let checked = 0;
    for (const [account, spell] of spells) {
      const home = [...(homes.get(account) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1])[0]?.[0];
      if (home === undefined) continue;
      checked++;
      if (spell.every((t) => distanceKm(cities.get(home)!, cities.get(t.city!)!) >= CAMEROON_FRAUDS.takeover.minKm)) far++;
      for (const t of spell) expect(terminals.get(account)?.has(t.record.transaction.terminal!) ?? false).toBe(false);
      const times = spell.map((t) => Date.parse(t.record.transaction.timestamp));
      expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(CAMEROON_FRAUDS.takeover.hours[1] * 3_600_000 * 2);
    }
    // the home city is the most frequent one, so nearly every spell is far from it
    expect(far).toBeGreaterThanOrEqual(checked * 0.9);
    const takeover = median([...spells.values()].flat().map((t) => t.record.transaction.amount));
    const genuine = median(all.filter((t) => !t.fraud).map((t) => t.record.transaction.amount));
    expect(takeover).toBeGreaterThan(2 * genuine);
  });

  it('card testing: a burst of small card payments minutes apart, then one large one', () => {
    const bursts = byAccount('card-testing');
    expect(bursts.size).toBeGreaterThan(3);
    for (const burst of bursts.values()) {
      const amounts = burst.map((t) => t.record.transaction.amount);
      const times = burst.map((t) => Date.parse(t.record.transaction.timestamp));
      expect(burst.every((t) => t.record.transaction.channel === 'card')).toBe(true);
      // one burst a customer in 30 days, almost always: check the first burst (tests, then the large one)
      const small = amounts.filter((a) => a <= CAMEROON_FRAUDS.cardTesting.small[1]);
      expect(small.length).toBeGreaterThanOrEqual(CAMEROON_FRAUDS.cardTesting.tests[0]);
      expect(Math.max(...amounts)).toBeGreaterThan(5 * CAMEROON_FRAUDS.cardTesting.small[1]);
      const last = times.indexOf(Math.max(...times));
      expect(amounts[last]).toBe(Math.max(...amounts));
    }
  });

  it('mule: a run of large mobile-money withdrawals within hours', () => {
    const runs = byAccount('mule');
    expect(runs.size).toBeGreaterThan(3);
    for (const run of runs.values()) {
      expect(run.length).toBeGreaterThanOrEqual(CAMEROON_FRAUDS.mule.withdrawals[0]);
      for (const t of run) {
        expect(t.record.transaction.channel).toBe('mobile-money');
        expect(t.record.transaction.amount).toBeGreaterThanOrEqual(CAMEROON_FRAUDS.mule.amount[0]);
      }
    }
  });
});
