import type { OperatorFunction } from 'rxjs';
import { accountOf } from './eventTime.ts';
import { type IdleFlush, inEventTimeOrder } from './inEventTimeOrder.ts';
import { type Judged, flag } from './judged.ts';
import { KeyedState } from './keyedState.ts';

export interface LocationOptions {
  /** Above this speed between two consecutive located transactions, travel is impossible. 900 km/h by default. */
  readonly maxSpeedKmh?: number;
  /** Countries of an account to know before a new one fires. 3 by default. */
  readonly minHistory?: number;
  /** An account idle this long in event time is forgotten. 30 days by default: the history is the point. */
  readonly ttlMs?: number;
  /** How late (in event time) a record may arrive and still be judged; 5 min by default. */
  readonly allowedLatenessMs?: number;
  /** Release held records after this long without a new one (processing time); see `IdleFlush`. */
  readonly idle?: IdleFlush;
  /** Called with the number of accounts held after each record: for tests and metrics. */
  readonly onStateSize?: (size: number) => void;
}

interface Place {
  readonly lat: number;
  readonly lon: number;
}

interface Seen {
  last: (Place & { time: number }) | null;
  readonly countries: Set<string>;
  /** Transactions with a country so far. */
  withCountry: number;
}

const EARTH_RADIUS_KM = 6371;
const rad = (degrees: number): number => (degrees * Math.PI) / 180;

/** Great-circle distance (haversine) in km. */
export function distanceKm(a: Place, b: Place): number {
  const h = Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The speed, in km/h, needed to go from `a` to `b` in `gapMs`. Timestamps have second resolution,
 * so a gap under one second counts as one second: the speed stays finite.
 */
export function speedKmh(a: Place, b: Place, gapMs: number): number {
  return distanceKm(a, b) / (Math.max(gapMs, 1000) / 3_600_000);
}

/**
 * Flags where an account's transactions come from: impossible travel, when the speed needed
 * between two consecutive transactions with coordinates (event time) is above `maxSpeedKmh`
 * (reason `travel>900km/h`, score speed / maxSpeedKmh); a new country, when a transaction's
 * country is not among the account's once it has made `minHistory` transactions with a country
 * (reason `new-country:FR`, score 1).
 *
 * Records are judged in event-time order (see `inEventTimeOrder`): the decisions do not depend on
 * the order of arrival within `allowedLatenessMs`, at the cost of that much latency. Late records
 * are marked late and left out of the history. Transactions without a location pass unjudged.
 *
 * ```
 * source:  -a-b-c-|        a: Douala 10:00, b: Paris 10:30, c: Paris 20:00
 *          location({ allowedLatenessMs: 0 })
 * output:  ---a-B-(c|)     B = b + { reasons: ['travel>900km/h'], score: 11.1... }
 * ```
 *
 * @example
 * records$.pipe(judge(), location({ maxSpeedKmh: 1000, minHistory: 10 }), suspiciousOnly())
 *
 * @param options the speed limit, the history before a new country counts, the TTL and the lateness.
 * @return An Observable of every judgement, in event-time order except for late ones.
 */
export function location({
  maxSpeedKmh = 900,
  minHistory = 3,
  ttlMs = 30 * 24 * 3_600_000,
  allowedLatenessMs = 5 * 60_000,
  idle,
  onStateSize,
}: LocationOptions = {}): OperatorFunction<Judged, Judged> {
  if (!(maxSpeedKmh > 0)) throw new RangeError(`location: maxSpeedKmh must be > 0, got ${maxSpeedKmh}`);
  if (!(Number.isInteger(minHistory) && minHistory >= 0)) {
    throw new RangeError(`location: minHistory must be an integer >= 0, got ${minHistory}`);
  }
  if (!(ttlMs > 0)) throw new RangeError(`location: ttlMs must be > 0, got ${ttlMs}`);
  return inEventTimeOrder('location', allowedLatenessMs, () => {
    const accounts = new KeyedState<Seen>(ttlMs, onStateSize);
    return {
      judge: (judged, time) => {
        const where = judged.record.transaction.location;
        if (where === undefined) return judged;
        const seen = accounts.touch(accountOf(judged.record.transaction), time, () => ({
          last: null,
          countries: new Set(),
          withCountry: 0,
        }));
        let result = judged;
        const { lat, lon, country } = where;
        if (typeof lat === 'number' && typeof lon === 'number') {
          const here = { lat, lon };
          if (seen.last !== null) {
            const speed = speedKmh(seen.last, here, time - seen.last.time);
            if (speed > maxSpeedKmh) result = flag(result, `travel>${maxSpeedKmh}km/h`, speed / maxSpeedKmh);
          }
          seen.last = { ...here, time };
        }
        if (country !== undefined) {
          if (seen.withCountry >= minHistory && !seen.countries.has(country)) result = flag(result, `new-country:${country}`, 1);
          seen.countries.add(country);
          seen.withCountry += 1;
        }
        return result;
      },
      clear: () => accounts.clear(),
    };
  }, idle);
}
