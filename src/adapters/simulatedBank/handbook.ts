/**
 * The `handbook` profile: the simulator of chapter 3 of *Reproducible Machine Learning for Credit
 * Card Fraud Detection – Practical Handbook* (Le Borgne, Siblini, Lebichot, Bontempi, ULB),
 * written from its description with its parameters, so that its published baselines apply.
 *
 * Customers and terminals are uniform on a 100×100 grid; a customer uses the terminals within
 * radius 5 of home, uniformly. Each customer has a mean amount U(5, 100), a standard deviation of
 * half of it and a mean of U(0, 4) transactions a day; each day a Poisson count of transactions,
 * each at a second of the day N(43 200, 20 000) (kept only within the day), for an amount
 * N(mean, std) (a negative draw replaced by U(0, 2·mean)), rounded to cents. Frauds: (1) any
 * amount above 220; (2) each day 2 terminals (per 10 000) are compromised, and every transaction
 * there in the next 28 days is fraud; (3) each day 3 customers (per 5 000) have their credentials
 * leaked: for the next 14 days, each of their transactions is, with probability 1/3, five times
 * its amount and fraud. A later scenario names the kind when several apply.
 */
import { DAY_SECONDS, DayBuilder, NOT_FRAUD, kindCode } from './bankDay.ts';
import { forEachCustomerCount, streamRandom } from './draws.ts';
import { HANDBOOK_FRAUDS, handbookFrauds } from './handbookFrauds.ts';
import type { BankRun, BankSimulation } from './simulation.ts';

/** The Handbook's parameters. */
export const HANDBOOK = {
  customers: 5_000,
  terminals: 10_000,
  days: 183,
  start: '2018-04-01',
  grid: 100,
  radius: 5,
  meanAmount: [5, 100],
  transactionsPerDay: [0, 4],
  secondMean: 43_200,
  secondStd: 20_000,
  amountLimit: 220,
  ...HANDBOOK_FRAUDS,
} as const;

/** The streams of draws, each seeded apart (see draws.ts). */
const STREAM = { world: 0, day: 1, terminalDraw: 2, customerDraw: 3, leakCoins: 4 } as const;

const ABOVE_LIMIT = kindCode('amount-above-limit');

export function handbookBank(run: BankRun): BankSimulation {
  const { seed, customers: C, terminals: T } = run;
  const H = HANDBOOK;
  const world = streamRandom(seed, STREAM.world);
  const cx = new Float64Array(C);
  const cy = new Float64Array(C);
  const mean = new Float64Array(C);
  const rate = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    cx[c] = world.uniform(0, H.grid);
    cy[c] = world.uniform(0, H.grid);
    mean[c] = world.uniform(H.meanAmount[0], H.meanAmount[1]);
    rate[c] = world.uniform(H.transactionsPerDay[0], H.transactionsPerDay[1]);
  }
  const tx = new Float64Array(T);
  const ty = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    tx[t] = world.uniform(0, H.grid);
    ty[t] = world.uniform(0, H.grid);
  }
  const reach = terminalsWithin(cx, cy, tx, ty, H.grid, H.radius);

  const frauds = handbookFrauds(seed, C, T, { terminals: STREAM.terminalDraw, customers: STREAM.customerDraw, coins: STREAM.leakCoins }, (a) => Math.round(a * 100) / 100);

  return {
    currency: 'EUR',
    decimals: 2,
    day(d) {
      const random = streamRandom(seed, STREAM.day, d);
      const day = new DayBuilder(d);
      const base = d * DAY_SECONDS;
      forEachCustomerCount(random, rate, (c, n) => {
        const from = reach.start[c]!;
        const choices = reach.start[c + 1]! - from;
        for (let i = 0; i < n; i++) {
          const second = Math.trunc(H.secondMean + H.secondStd * random.normal());
          if (second < 0 || second >= DAY_SECONDS || choices === 0) continue;
          const m = mean[c]!;
          let amount = m + (m / 2) * random.normal();
          if (amount < 0) amount = random.uniform(0, 2 * m);
          amount = Math.round(amount * 100) / 100;
          const terminal = reach.list[from + Math.floor(random.next() * choices)]!;
          day.push(base + second, c, terminal, amount, 0, amount > H.amountLimit ? ABOVE_LIMIT : NOT_FRAUD);
        }
      });

      frauds(day);
      return day.sorted();
    },
  };
}

/** For each customer, the terminals within `radius` of home (compressed rows: `list[start[c]..start[c+1])`). */
function terminalsWithin(cx: Float64Array, cy: Float64Array, tx: Float64Array, ty: Float64Array, grid: number, radius: number): { start: Int32Array; list: Int32Array } {
  const cells = Math.max(1, Math.ceil(grid / radius));
  const cell = (v: number): number => Math.min(cells - 1, Math.max(0, Math.floor(v / radius)));
  const buckets: number[][] = Array.from({ length: cells * cells }, () => []);
  for (let t = 0; t < tx.length; t++) buckets[cell(tx[t]!) * cells + cell(ty[t]!)]!.push(t);
  const start = new Int32Array(cx.length + 1);
  const list: number[] = [];
  const r2 = radius * radius;
  for (let c = 0; c < cx.length; c++) {
    const near: number[] = [];
    const i = cell(cx[c]!);
    const j = cell(cy[c]!);
    for (let a = Math.max(0, i - 1); a <= Math.min(cells - 1, i + 1); a++) {
      for (let b = Math.max(0, j - 1); b <= Math.min(cells - 1, j + 1); b++) {
        for (const t of buckets[a * cells + b]!) {
          const dx = tx[t]! - cx[c]!;
          const dy = ty[t]! - cy[c]!;
          if (dx * dx + dy * dy < r2) near.push(t);
        }
      }
    }
    near.sort((p, q) => p - q); // the terminals' order, whatever the cells' order
    list.push(...near);
    start[c + 1] = list.length;
  }
  return { start, list: Int32Array.from(list) };
}
