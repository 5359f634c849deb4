/**
 * Timestamps as producers write them, and as they get broken. Issue 19: the seed's
 * `YYYY-MM-DD HH:MM:SS`, and ISO 8601 with `T` or a space, fractional seconds, `Z` or a numeric
 * offset are transactions (each its instant); an impossible date, an hour 25, trailing garbage
 * are dead letters. Forms the issue leaves open (no seconds, `24:00:00`, year 0000) are `either`.
 */
import fc from 'fast-check';
import type { Expect } from './fuzzCase.ts';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * A real calendar date and time of day, as numbers; before 2026, where the running stream of
 * accounts.ts lives, so that these records are late and never hold back its event time.
 */
const moment = fc
  .record({ year: fc.integer({ min: 1970, max: 2025 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }), hour: fc.integer({ min: 0, max: 23 }), minute: fc.integer({ min: 0, max: 59 }), second: fc.integer({ min: 0, max: 59 }) })
  .map((m) => ({ ...m, day: Math.min(m.day, daysIn(m.year, m.month)) }));

const fraction = fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined });
const zone = fc.oneof(
  fc.constant(''),
  fc.constant('Z'),
  fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 14 }), fc.constantFrom(0, 15, 30, 45), fc.constantFrom(':', '', 'hours')).map(([sign, h, m, form]) =>
    form === 'hours' ? `${sign}${pad(h)}` : `${sign}${pad(h)}${form}${pad(m)}`,
  ),
);

/** The seed's form, or ISO 8601 (`T` or space, fractional seconds, `Z` or an offset): a transaction's timestamp. */
export const validTimestamp: fc.Arbitrary<string> = fc
  .tuple(moment, fc.constantFrom(' ', 'T'), fraction, zone)
  .map(([m, sep, frac, z]) => `${m.year}-${pad(m.month)}-${pad(m.day)}${sep}${pad(m.hour)}:${pad(m.minute)}:${pad(m.second)}${frac === undefined ? '' : `.${frac}`}${z}`);

/** The seed's form only: what every version of vigie accepts. */
export const seedTimestamp: fc.Arbitrary<string> = moment.map((m) => `${m.year}-${pad(m.month)}-${pad(m.day)} ${pad(m.hour)}:${pad(m.minute)}:${pad(m.second)}`);

/** A timestamp that is not one, and what is wrong with it. */
export const brokenTimestamp: fc.Arbitrary<{ readonly timestamp: string; readonly expect: Expect }> = fc.oneof(
  // a day the month does not have: 2026-02-30, 2025-02-29, 2026-04-31
  fc.tuple(moment, fc.integer({ min: 1, max: 4 })).map(([m, over]) => `${m.year}-${pad(m.month)}-${pad(daysIn(m.year, m.month) + over)} ${pad(m.hour)}:00:00`),
  moment.map((m) => `${m.year}-${pad(m.month)}-00 ${pad(m.hour)}:00:00`),
  fc.tuple(moment, fc.constantFrom(0, 13, 99)).map(([m, month]) => `${m.year}-${pad(month)}-${pad(m.day)} 10:00:00`),
  fc.tuple(moment, fc.integer({ min: 25, max: 99 })).map(([m, hour]) => `${m.year}-${pad(m.month)}-${pad(m.day)} ${hour}:00:00`),
  fc.tuple(moment, fc.integer({ min: 60, max: 99 }), fc.boolean()).map(([m, n, minute]) => `${m.year}-${pad(m.month)}-${pad(m.day)} 10:${minute ? n : '00'}:${minute ? '00' : n}`),
  // trailing garbage after a real time, and zones that are not zones
  fc.tuple(validTimestamp, fc.constantFrom('x', ' garbage', 'ZZ', '+', '+1', '+123', '+01:', '+01:0', '+2500', 'Z+01:00', '\u0000', '.', ' ', '\n')).map(([t, tail]) => `${t}${tail}`),
  fc.tuple(seedTimestamp, fc.constantFrom('2026/03/01 10:30:00', '01-03-2026 10:30:00', '2026-3-1 10:30:00', '20260301T103000', 'T10:30:00', '')).map(([, t]) => t),
  fc.string({ maxLength: 30 }).filter((s) => !/^\d{4}-\d\d-\d\d[ T]/.test(s)),
).map((timestamp) => ({ timestamp, expect: 'invalid' as const }));

/** Forms the issue leaves open: either outcome is right, as long as it is one. */
export const doubtfulTimestamp: fc.Arbitrary<string> = fc.oneof(
  moment.map((m) => `${m.year}-${pad(m.month)}-${pad(m.day)}T${pad(m.hour)}:${pad(m.minute)}`),
  moment.map((m) => `${m.year}-${pad(m.month)}-${pad(m.day)}`),
  moment.map((m) => `${m.year}-${pad(m.month)}-${pad(m.day)} 24:00:00`),
  moment.map((m) => `${m.year}-${pad(m.month)}-${pad(m.day)} 23:59:60`),
  fc.constantFrom('0000-01-01 00:00:00', '0001-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '1969-12-31T23:59:59.999999999-14:00', '2025-03-01t10:30:00z'),
);
