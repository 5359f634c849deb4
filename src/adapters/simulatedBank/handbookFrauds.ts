/**
 * The Handbook's scenarios 2 and 3, which both profiles run on their genuine transactions
 * (scenario 1, an amount above a limit, is labelled as each transaction is made): (2) each day 2
 * terminals per 10 000 are compromised, and every transaction there in the next 28 days is fraud;
 * (3) each day 3 customers per 5 000 have their credentials leaked: for the next 14 days, each of
 * their transactions is, with probability 1/3 per leak, five times its amount and fraud. A later
 * scenario names the kind.
 */
import type { Random } from '../../random.ts';
import { type DayBuilder, kindCode } from './bankDay.ts';
import { distinct, streamRandom } from './draws.ts';

/** The Handbook's rates and spells. */
export const HANDBOOK_FRAUDS = {
  /** Per 10 000 terminals, each day. */
  compromisedTerminalsPerDay: 2,
  perTerminals: 10_000,
  compromisedDays: 28,
  /** Per 5 000 customers, each day. */
  leakedCustomersPerDay: 3,
  perCustomers: 5_000,
  leakedDays: 14,
  leakedShare: 1 / 3,
  leakedFactor: 5,
} as const;

/** The streams of draws a profile gives its scenarios (see draws.ts). */
export interface ScenarioStreams {
  readonly terminals: number;
  readonly customers: number;
  readonly coins: number;
}

/** How many of `n` to draw in a day at `perDay` per `per`: the whole part, and one more with the fraction's probability. */
export function dailyCount(random: Random, perDay: number, n: number, per: number): number {
  const expected = (perDay * n) / per;
  const whole = Math.floor(expected);
  return whole + (random.next() < expected - whole ? 1 : 0);
}

/**
 * Scenarios 2 and 3 for a bank of `customers` and `terminals`: a function that draws day `d`'s
 * compromised terminals and leaked customers, then labels the day's transactions (days in order).
 * `round` rounds a multiplied amount to the profile's decimals.
 */
export function handbookFrauds(seed: number, customers: number, terminals: number, streams: ScenarioStreams, round: (amount: number) => number): (day: DayBuilder) => void {
  const F = HANDBOOK_FRAUDS;
  const COMPROMISED = kindCode('compromised-terminal');
  const LEAKED = kindCode('leaked-credentials');
  /** Per terminal: the first day it is no longer compromised (0: never was). */
  const compromisedUntil = new Int32Array(terminals);
  /** customer → the end day of each of its leaks still running. */
  const leaked = new Map<number, number[]>();
  return (day) => {
    const d = day.day;
    const terminalDraw = streamRandom(seed, streams.terminals, d);
    for (const t of distinct(terminalDraw, terminals, dailyCount(terminalDraw, F.compromisedTerminalsPerDay, terminals, F.perTerminals))) {
      compromisedUntil[t] = Math.max(compromisedUntil[t]!, d + F.compromisedDays);
    }
    const customerDraw = streamRandom(seed, streams.customers, d);
    for (const c of distinct(customerDraw, customers, dailyCount(customerDraw, F.leakedCustomersPerDay, customers, F.perCustomers))) {
      leaked.set(c, [...(leaked.get(c) ?? []), d + F.leakedDays]);
    }
    for (const [c, ends] of leaked) {
      const running = ends.filter((end) => end > d);
      if (running.length === 0) leaked.delete(c);
      else leaked.set(c, running);
    }
    const coins = streamRandom(seed, streams.coins, d);
    for (let i = 0; i < day.count; i++) {
      if (compromisedUntil[day.terminal[i]!]! > d) day.kind[i] = COMPROMISED;
      const leaks = leaked.get(day.customer[i]!);
      if (leaks === undefined) continue;
      for (let k = 0; k < leaks.length; k++) {
        if (coins.next() >= F.leakedShare) continue;
        day.amount[i] = round(day.amount[i]! * F.leakedFactor);
        day.kind[i] = LEAKED;
      }
    }
  };
}
