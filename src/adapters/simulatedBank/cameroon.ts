/**
 * The `cameroon` profile: a bank's customers in Cameroonian cities (homes weighted by population),
 * card terminals and mobile-money agents in the same cities, amounts in XAF.
 *
 * Each customer has a home city, a few regular card terminals and agents there, a share of mobile
 * money, a rate of transactions a day (lognormal, about 0.6 on average) and a median amount per
 * channel (lognormal: card around 20 000 XAF, mobile money around 5 000 XAF, each customer's own
 * spread around them); a transaction's amount is lognormal around its customer's median. The
 * Handbook's three scenarios run as in its profile (the limit per channel: card 500 000 XAF, mobile
 * money 300 000 XAF); three more add transactions of their own (see cameroonFrauds.ts):
 * account takeover, card testing and a mule draining an account.
 */
import { CHANNELS, DAY_SECONDS, DayBuilder, NOT_FRAUD, kindCode } from './bankDay.ts';
import { type CameroonWorld, type Injected, injectFrauds } from './cameroonFrauds.ts';
import { CAMEROON_CITIES, weightedPicker } from './cities.ts';
import { forEachCustomerCount, streamRandom, streamSeed } from './draws.ts';
import { handbookFrauds } from './handbookFrauds.ts';
import type { BankRun, BankSimulation, TerminalPlaces } from './simulation.ts';

export const CAMEROON = {
  customers: 100_000,
  terminals: 20_000,
  days: 30,
  start: '2026-01-01',
  /** The rest are mobile-money agents. */
  cardTerminalShare: 0.35,
  /** Per channel, in the home city. */
  regularTerminals: 4,
  /** The chance that a transaction is at another terminal of the home city. */
  elsewhere: 0.1,
  /** Lognormal: median and log-spread; capped. */
  transactionsPerDay: { median: 0.5, spread: 0.6, max: 5 },
  mobileShare: [0.4, 0.95],
  /** XAF: the median of customers' medians, its log-spread between customers, then per transaction. */
  amount: {
    card: { median: 20_000, customers: 0.7, transactions: 0.6 },
    'mobile-money': { median: 5_000, customers: 0.8, transactions: 0.7 },
  },
  minimumAmount: 100,
  secondMean: 50_400,
  secondStd: 14_000,
  amountLimit: { card: 500_000, 'mobile-money': 300_000 },
  /** A terminal's jitter around its city's centre, in degrees. */
  jitter: 0.03,
} as const;

/** Streams of draws (the handbook's numbers are not shared: a profile's draws are its own). */
const STREAM = { world: 10, day: 11, terminalDraw: 12, customerDraw: 13, leakCoins: 14, regular: 15 } as const;

const CARD = CHANNELS.indexOf('card');
const MOBILE = CHANNELS.indexOf('mobile-money');
const ABOVE_LIMIT = kindCode('amount-above-limit');

export function cameroonBank(run: BankRun): BankSimulation {
  const { seed, customers: C, terminals: T } = run;
  const P = CAMEROON;
  const cities = CAMEROON_CITIES;
  const pickCity = weightedPicker(cities.map((c) => c.population));
  const world = streamRandom(seed, STREAM.world);

  // terminals: each city one card terminal and one agent first (when there are enough), then by population
  const city = new Uint16Array(T);
  const terminalChannel = new Uint8Array(T);
  const lat = new Float64Array(T);
  const lon = new Float64Array(T);
  const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
  for (let t = 0; t < T; t++) {
    const seeded = t < 2 * cities.length;
    city[t] = seeded ? t >> 1 : pickCity(world.next());
    terminalChannel[t] = seeded ? t & 1 : world.next() < P.cardTerminalShare ? CARD : MOBILE;
    lat[t] = round4(cities[city[t]!]!.lat + world.uniform(-P.jitter, P.jitter));
    lon[t] = round4(cities[city[t]!]!.lon + world.uniform(-P.jitter, P.jitter));
  }
  const lists = cities.map(() => [[] as number[], [] as number[]] as const);
  for (let t = 0; t < T; t++) lists[city[t]!]![terminalChannel[t]!]!.push(t);
  // a city with no terminal of a channel (a tiny bank) borrows the whole bank's of that channel
  const all = [0, 1].map((ch) => Int32Array.from({ length: T }, (_, t) => t).filter((t) => terminalChannel[t] === ch));
  const byCity = lists.map((l) => [0, 1].map((ch) => (l[ch]!.length > 0 ? Int32Array.from(l[ch]!) : all[ch]!.length > 0 ? all[ch]! : all[1 - ch]!)) as [Int32Array, Int32Array]);

  const home = new Uint8Array(C);
  const rate = new Float32Array(C);
  const mobileShare = new Float32Array(C);
  const mu: [Float32Array, Float32Array] = [new Float32Array(C), new Float32Array(C)];
  const { card, 'mobile-money': mobile } = P.amount;
  for (let c = 0; c < C; c++) {
    home[c] = pickCity(world.next());
    rate[c] = Math.min(P.transactionsPerDay.max, P.transactionsPerDay.median * Math.exp(P.transactionsPerDay.spread * world.normal()));
    mobileShare[c] = world.uniform(P.mobileShare[0], P.mobileShare[1]);
    mu[CARD]![c] = Math.log(card.median) + card.customers * world.normal();
    mu[MOBILE]![c] = Math.log(mobile.median) + mobile.customers * world.normal();
  }
  const places: TerminalPlaces = { cities, city, lat, lon, country: 'CM' };
  const shared: CameroonWorld = { seed, customers: C, home, mu, places, byCity, pickCity };
  const spread = [card.transactions, mobile.transactions];
  const limit = [P.amountLimit.card, P.amountLimit['mobile-money']];

  const frauds = handbookFrauds(seed, C, T, { terminals: STREAM.terminalDraw, customers: STREAM.customerDraw, coins: STREAM.leakCoins }, Math.round);
  let pending: Injected[] = [];

  return {
    currency: 'XAF',
    decimals: 0,
    places,
    day(d) {
      const random = streamRandom(seed, STREAM.day, d);
      const day = new DayBuilder(d);
      const base = d * DAY_SECONDS;
      forEachCustomerCount(random, rate, (c, n) => {
        for (let i = 0; i < n; i++) {
          let second = -1;
          while (second < 0 || second >= DAY_SECONDS) second = Math.trunc(P.secondMean + P.secondStd * random.normal());
          const channel = random.next() < mobileShare[c]! ? MOBILE : CARD;
          const terminals = byCity[home[c]!]![channel]!;
          const terminal =
            random.next() < P.elsewhere
              ? terminals[Math.floor(random.next() * terminals.length)]!
              : terminals[streamSeed(seed, STREAM.regular, c, channel * 16 + Math.floor(random.next() * P.regularTerminals)) % terminals.length]!;
          const amount = Math.max(P.minimumAmount, Math.round(Math.exp(mu[channel]![c]! + spread[channel]! * random.normal())));
          day.push(base + second, c, terminal, amount, channel, amount > limit[channel]! ? ABOVE_LIMIT : NOT_FRAUD);
        }
      });

      frauds(day);

      // the injected frauds: today's start now, and may end tomorrow
      pending.push(...injectFrauds(shared, d));
      const end = base + DAY_SECONDS;
      for (const e of pending) if (e.time < end) day.push(e.time, e.customer, e.terminal, e.amount, e.channel, e.kind);
      pending = pending.filter((e) => e.time >= end);
      return day.sorted();
    },
  };
}
