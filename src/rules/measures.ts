/**
 * The measures the rules compute, shared by the rule language (./compile.ts) and the hand-written
 * rules (src/operators/rules/): the robust z-score, great-circle distance and speed, and
 * durations written for people.
 */
import { median, medianAbsoluteDeviation } from 'simple-statistics';

interface Place {
  readonly lat: number;
  readonly lon: number;
}

/**
 * The modified z-score of Iglewicz and Hoaglin, 0.6745 (x − median) / MAD, against `history`.
 * An account that always pays the same amount has a MAD of 0, which would make any other amount
 * infinitely suspicious: the MAD is floored at `madFloor` × |median| (and at 1e-9, for a median of 0).
 */
export function robustZ(amount: number, history: readonly number[], madFloor = 0.05): number {
  const centre = median(history as number[]);
  const mad = Math.max(medianAbsoluteDeviation(history as number[]), madFloor * Math.abs(centre), 1e-9);
  return (0.6745 * (amount - centre)) / mad;
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

/** `600000` → `10min`, `90000` → `90s`, other values in ms: for reasons a human reads. */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
