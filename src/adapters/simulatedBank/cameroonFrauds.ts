/**
 * The `cameroon` profile's frauds that add transactions of their own, started each day at a rate
 * per customer (each may run into the next day):
 * - `account-takeover`: someone else uses the account for a few hours from a far city (at least
 *   150 km from home), at terminals the customer never used, for 3 to 8 larger amounts (3 to 10
 *   times the customer's median);
 * - `card-testing`: a burst of 4 to 10 small card payments (100 to 1 000 XAF) seconds apart at one
 *   terminal, then one large one (5 to 20 times the customer's card median) within the hour;
 * - `mule`: an account that received money (not a debit: not in the file) drained by a run of 3
 *   to 6 large mobile-money withdrawals (100 000 to 500 000 XAF) at agents of its city within hours.
 */
import type { Random } from '../../random.ts';
import { CHANNELS, DAY_SECONDS, kindCode } from './bankDay.ts';
import type { TerminalPlaces } from './simulation.ts';
import { distanceKm } from './cities.ts';
import { distinct, streamRandom } from './draws.ts';
import { dailyCount } from './handbookFrauds.ts';

export const CAMEROON_FRAUDS = {
  takeover: { perDay: 1, per: 10_000, minKm: 150, transactions: [3, 8], hours: [2, 12], factor: [3, 10] },
  cardTesting: { perDay: 1, per: 20_000, small: [100, 1_000], tests: [4, 10], gapSeconds: [10, 90], waitSeconds: [300, 3_600], factor: [5, 20] },
  mule: { perDay: 1, per: 20_000, withdrawals: [3, 6], amount: [100_000, 500_000], hours: [1, 6] },
} as const;

/** The world both the days and the injected frauds draw from. */
export interface CameroonWorld {
  readonly seed: number;
  readonly customers: number;
  readonly home: Uint8Array;
  /** Log of the customer's median amount, per channel. */
  readonly mu: readonly [Float32Array, Float32Array];
  readonly places: TerminalPlaces;
  /** Terminals per city and channel: `byCity[city][channel]`. */
  readonly byCity: readonly (readonly [Int32Array, Int32Array])[];
  /** Picks a city by population from a uniform draw. */
  readonly pickCity: (u: number) => number;
}

/** A transaction a fraud adds. */
export interface Injected {
  /** Seconds since the simulation's start. */
  readonly time: number;
  readonly customer: number;
  readonly terminal: number;
  readonly amount: number;
  readonly channel: number;
  readonly kind: number;
}

const STREAM = { takeover: 20, cardTesting: 21, mule: 22 } as const;
const CARD = CHANNELS.indexOf('card');
const MOBILE = CHANNELS.indexOf('mobile-money');

/** The frauds started on day `d`, in the order drawn. */
export function injectFrauds(world: CameroonWorld, d: number): Injected[] {
  const F = CAMEROON_FRAUDS;
  const out: Injected[] = [];
  const base = d * DAY_SECONDS;
  const startOf = (random: Random): number => base + random.int(6 * 3_600, 22 * 3_600);
  const pick = (list: Int32Array, random: Random): number => list[random.int(0, list.length - 1)]!;
  const median = (c: number, channel: number): number => Math.exp(world.mu[channel]![c]!);

  const takeover = streamRandom(world.seed, STREAM.takeover, d);
  for (const c of distinct(takeover, world.customers, dailyCount(takeover, F.takeover.perDay, world.customers, F.takeover.per))) {
    const home = world.places.cities[world.home[c]!]!;
    const far = world.places.cities.map((city, i) => (distanceKm(home, city) >= F.takeover.minKm ? i : -1)).filter((i) => i >= 0);
    const city = far.length > 0 ? far[Math.floor(takeover.next() * far.length)]! : world.pickCity(takeover.next());
    const start = startOf(takeover);
    const spell = takeover.uniform(F.takeover.hours[0], F.takeover.hours[1]) * 3_600;
    const n = takeover.int(F.takeover.transactions[0], F.takeover.transactions[1]);
    const kind = kindCode('account-takeover');
    for (let i = 0; i < n; i++) {
      const channel = takeover.next() < 0.5 ? CARD : MOBILE;
      const amount = Math.round((median(c, channel) * takeover.uniform(F.takeover.factor[0], F.takeover.factor[1])) / 100) * 100;
      out.push({ time: start + Math.floor(takeover.next() * spell), customer: c, terminal: pick(world.byCity[city]![channel]!, takeover), amount: Math.max(100, amount), channel, kind });
    }
  }

  const testing = streamRandom(world.seed, STREAM.cardTesting, d);
  for (const c of distinct(testing, world.customers, dailyCount(testing, F.cardTesting.perDay, world.customers, F.cardTesting.per))) {
    const kind = kindCode('card-testing');
    const terminal = pick(world.byCity[world.pickCity(testing.next())]![CARD]!, testing);
    let time = startOf(testing);
    const n = testing.int(F.cardTesting.tests[0], F.cardTesting.tests[1]);
    for (let i = 0; i < n; i++) {
      out.push({ time, customer: c, terminal, amount: testing.int(F.cardTesting.small[0], F.cardTesting.small[1]), channel: CARD, kind });
      time += testing.int(F.cardTesting.gapSeconds[0], F.cardTesting.gapSeconds[1]);
    }
    time += testing.int(F.cardTesting.waitSeconds[0], F.cardTesting.waitSeconds[1]);
    const large = Math.round((median(c, CARD) * testing.uniform(F.cardTesting.factor[0], F.cardTesting.factor[1])) / 100) * 100;
    out.push({ time, customer: c, terminal: pick(world.byCity[world.pickCity(testing.next())]![CARD]!, testing), amount: Math.max(100, large), channel: CARD, kind });
  }

  const mule = streamRandom(world.seed, STREAM.mule, d);
  for (const c of distinct(mule, world.customers, dailyCount(mule, F.mule.perDay, world.customers, F.mule.per))) {
    const kind = kindCode('mule');
    const agents = world.byCity[world.home[c]!]![MOBILE]!;
    const start = startOf(mule);
    const spell = mule.uniform(F.mule.hours[0], F.mule.hours[1]) * 3_600;
    const n = mule.int(F.mule.withdrawals[0], F.mule.withdrawals[1]);
    for (let i = 0; i < n; i++) {
      const amount = Math.round(mule.uniform(F.mule.amount[0], F.mule.amount[1]) / 1_000) * 1_000;
      out.push({ time: start + Math.floor((i * spell) / n), customer: c, terminal: pick(agents, mule), amount, channel: MOBILE, kind });
    }
  }
  return out;
}
