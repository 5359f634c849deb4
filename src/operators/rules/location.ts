import type { OperatorFunction } from 'rxjs';
import { type AccountRule, type Flag, NO_FLAGS } from './accountRule.ts';
import { type DecideOnArrivalOptions, decideOnArrival } from './decideOnArrival.ts';
import type { Judged } from './judged.ts';
import { distanceKm, speedKmh } from '../../rules/measures.ts';

export { distanceKm, speedKmh };

export interface LocationOptions {
  /** Above this speed between two consecutive located transactions, travel is impossible. 900 km/h by default. */
  readonly maxSpeedKmh?: number;
  /** Countries of an account to know before a new one fires. 3 by default. */
  readonly minHistory?: number;
  /** An account idle this long in event time is forgotten. 30 days by default: the history is the point. */
  readonly ttlMs?: number;
}

interface Place {
  readonly lat: number;
  readonly lon: number;
}

/** An account's places so far: plain data, replaced at each transaction. */
interface Seen {
  readonly last: (Place & { readonly time: number }) | null;
  readonly countries: readonly string[];
  /** Transactions with a country so far. */
  readonly withCountry: number;
}

/** The location rule for `decideOnArrival`; its state, the account's countries and last place. */
export function locationRule({ maxSpeedKmh = 900, minHistory = 3, ttlMs = 30 * 24 * 3_600_000 }: LocationOptions = {}): AccountRule<Seen> {
  if (!(maxSpeedKmh > 0)) throw new RangeError(`location: maxSpeedKmh must be > 0, got ${maxSpeedKmh}`);
  if (!(Number.isInteger(minHistory) && minHistory >= 0)) {
    throw new RangeError(`location: minHistory must be an integer >= 0, got ${minHistory}`);
  }
  if (!(ttlMs > 0)) throw new RangeError(`location: ttlMs must be > 0, got ${ttlMs}`);
  return {
    name: 'location',
    version: 1,
    ttlMs,
    init: () => ({ last: null, countries: [], withCountry: 0 }),
    step: (seen, transaction, time) => {
      const where = transaction.location;
      if (where === undefined) return { state: seen, flags: NO_FLAGS };
      const flags: Flag[] = [];
      let { last, countries, withCountry } = seen;
      const { lat, lon, country } = where;
      if (typeof lat === 'number' && typeof lon === 'number') {
        const here = { lat, lon };
        if (last !== null) {
          const speed = speedKmh(last, here, time - last.time);
          if (speed > maxSpeedKmh) flags.push({ reason: `travel>${maxSpeedKmh}km/h`, score: speed / maxSpeedKmh });
        }
        last = { ...here, time };
      }
      if (country !== undefined) {
        const known = countries.includes(country);
        if (withCountry >= minHistory && !known) flags.push({ reason: `new-country:${country}`, score: 1 });
        if (!known) countries = [...countries, country];
        withCountry += 1;
      }
      return { state: { last, countries, withCountry }, flags };
    },
  };
}

/**
 * Flags where an account's transactions come from: impossible travel, when the speed needed
 * between two consecutive transactions with coordinates (event time) is above `maxSpeedKmh`
 * (reason `travel>900km/h`, score speed / maxSpeedKmh); a new country, when a transaction's
 * country is not among the account's once it has made `minHistory` transactions with a country
 * (reason `new-country:FR`, score 1).
 *
 * Decided on arrival (see `decideOnArrival`); late records are judged against the history as it
 * is and left out of it. Transactions without a location pass unjudged.
 *
 * ```
 * source:  -a-b-c-|     a: Douala 10:00, b: Paris 10:30, c: Paris 20:00
 *          location()
 * output:  -a-B-c-|     B = b + { reasons: ['travel>900km/h'], score: 11.1... }
 * ```
 *
 * @example
 * records$.pipe(judge(), location({ maxSpeedKmh: 1000, minHistory: 10 }), suspiciousOnly())
 *
 * @param options the speed limit, the history before a new country counts, the TTL and the lateness.
 * @return An Observable of every judgement as its record arrives (not in event-time order),
 * each followed by the revisions it caused.
 */
export function location(options: LocationOptions & DecideOnArrivalOptions = {}): OperatorFunction<Judged, Judged> {
  return decideOnArrival([locationRule(options)], options);
}
