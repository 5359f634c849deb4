/**
 * The handbook profile's figures on reduced banks (500 customers, 1 000 terminals, 60 days, five
 * seeds pooled) against what its parameters imply, derived here from them, not read off a run:
 * the count of transactions, the mean genuine amount, each fraud kind's share and the leaked
 * amounts' factor.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FRAUD_KINDS, kindCode } from '../../../src/adapters/simulatedBank/bankDay.ts';
import { HANDBOOK } from '../../../src/adapters/simulatedBank/handbook.ts';
import { bankDays, openBank } from '../../../src/adapters/simulatedBank/simulateBank.ts';

const C = 500;
const T = 1_000;
const DAYS = 60;
const SEEDS = [1, 2, 3, 4, 5];

/** Standard normal distribution function (Abramowitz–Stegun 7.1.26 on erf). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
const density = (z: number): number => Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);

/** Mean over `steps` points of [a, b] of f (midpoint rule). */
function average(a: number, b: number, f: (x: number) => number, steps = 400): number {
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += f(a + ((i + 0.5) * (b - a)) / steps);
  return sum / steps;
}

/** The chance that a home uniform on the grid has at least one of `terminals` uniform terminals within the radius. */
function reachable(terminals: number): number {
  const { grid, radius } = HANDBOOK;
  // the disk's area inside the square, averaged over homes (on a lattice of homes and of disk points)
  const n = 40;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = ((i + 0.5) * grid) / n;
      const y = ((j + 0.5) * grid) / n;
      let inside = 0;
      let all = 0;
      for (let a = -10; a <= 10; a++) {
        for (let b = -10; b <= 10; b++) {
          const dx = (a / 10) * radius;
          const dy = (b / 10) * radius;
          if (dx * dx + dy * dy >= radius * radius) continue;
          all++;
          if (x + dx >= 0 && x + dx <= grid && y + dy >= 0 && y + dy <= grid) inside++;
        }
      }
      const area = (Math.PI * radius * radius * inside) / all;
      sum += 1 - (1 - area / (grid * grid)) ** terminals;
    }
  }
  return sum / (n * n);
}

/** Σ over days of how many draws (one a day, each lasting `spell` days) are running: the ramp-up included. */
const running = (spell: number): number => Array.from({ length: DAYS }, (_, d) => Math.min(d + 1, spell)).reduce((a, b) => a + b, 0) / DAYS;

describe('the handbook profile, on 5 seeds of a reduced bank', () => {
  const pooled = { rows: 0, kinds: new Map<number, number>(), genuineSum: 0, genuineCount: 0, leakedSum: 0, leakedCount: 0 };
  beforeAll(() => {
    for (const seed of SEEDS) {
      const bank = openBank({ profile: 'handbook', customers: C, terminals: T, days: DAYS, seed });
      for (const day of bankDays(bank)) {
        pooled.rows += day.count;
        for (let i = 0; i < day.count; i++) {
          const kind = day.kind[i]!;
          pooled.kinds.set(kind, (pooled.kinds.get(kind) ?? 0) + 1);
          if (kind === kindCode('leaked-credentials')) {
            pooled.leakedSum += day.amount[i]!;
            pooled.leakedCount++;
          } else {
            pooled.genuineSum += day.amount[i]!;
            pooled.genuineCount++;
          }
        }
      }
    }
  });
  const share = (kind: (typeof FRAUD_KINDS)[number]): number => (pooled.kinds.get(kindCode(kind)) ?? 0) / pooled.rows;

  it('makes as many transactions as the rates, the time of day and the radius imply', () => {
    const perCustomerDay = (HANDBOOK.transactionsPerDay[0] + HANDBOOK.transactionsPerDay[1]) / 2;
    const kept = phi(HANDBOOK.secondMean / HANDBOOK.secondStd) - phi(-HANDBOOK.secondMean / HANDBOOK.secondStd);
    const expected = SEEDS.length * C * DAYS * perCustomerDay * kept * reachable(T);
    expect(pooled.rows / expected).toBeGreaterThan(0.93);
    expect(pooled.rows / expected).toBeLessThan(1.07);
  });

  it('draws genuine amounts around the mean N(m, m/2) with negatives redrawn implies: 1.027 × the mean of U(5, 100)', () => {
    // E[amount | m] = m Φ(2) + (m/2) φ(2) + Φ(-2) m (a negative draw is replaced by U(0, 2m), of mean m)
    const factor = phi(2) + density(2) / 2 + phi(-2);
    const expected = factor * ((HANDBOOK.meanAmount[0] + HANDBOOK.meanAmount[1]) / 2);
    expect(pooled.genuineSum / pooled.genuineCount / expected).toBeGreaterThan(0.95);
    expect(pooled.genuineSum / pooled.genuineCount / expected).toBeLessThan(1.05);
  });

  it('labels each kind at about the share its scenario implies, and the leaked amounts are five times the others', () => {
    // (1) an amount above 220, for a mean m uniform in [5, 100] and a deviation m/2
    const above = average(HANDBOOK.meanAmount[0], HANDBOOK.meanAmount[1], (m) => 1 - phi((HANDBOOK.amountLimit - m) / (m / 2)));
    // (2) the running compromised terminals' share of the terminals (a terminal's expected share of transactions is 1/T)
    const compromised = (running(HANDBOOK.compromisedDays) * HANDBOOK.compromisedTerminalsPerDay) / HANDBOOK.perTerminals;
    // (3) the running leaked customers' share, a third of their transactions
    const leaked = ((running(HANDBOOK.leakedDays) * HANDBOOK.leakedCustomersPerDay) / HANDBOOK.perCustomers) * HANDBOOK.leakedShare;
    const expected = { 'amount-above-limit': above * (1 - compromised), 'compromised-terminal': compromised * (1 - leaked), 'leaked-credentials': leaked };
    for (const [kind, value] of Object.entries(expected)) {
      expect(share(kind as keyof typeof expected) / value, kind).toBeGreaterThan(0.6);
      expect(share(kind as keyof typeof expected) / value, kind).toBeLessThan(1.4);
    }
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    const frauds = pooled.rows - (pooled.kinds.get(0) ?? 0);
    expect(frauds / pooled.rows / total).toBeGreaterThan(0.75);
    expect(frauds / pooled.rows / total).toBeLessThan(1.25);
    const ratio = pooled.leakedSum / pooled.leakedCount / (pooled.genuineSum / pooled.genuineCount);
    expect(ratio).toBeGreaterThan(HANDBOOK.leakedFactor * 0.85);
    expect(ratio).toBeLessThan(HANDBOOK.leakedFactor * 1.3);
  });
});
