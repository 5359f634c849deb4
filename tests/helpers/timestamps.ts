/**
 * Transaction timestamps for property tests: any instant of years 0001-9999, with any zone, in
 * every form `parseTimestamp` (src/timestamps.ts) accepts, with the instant it names. The text is
 * made by `Date`'s own calendar, so that a test checks the parser against something other than
 * its own arithmetic.
 */
import fc from 'fast-check';

const DAY = 86_400_000;
export const FIRST = new Date('0001-01-01T00:00:00Z').getTime();
export const END = new Date('9999-12-31T23:59:59.999Z').getTime();
export const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** How a generated timestamp is written. */
export interface Form {
  readonly separator: 'T' | 't' | ' ';
  /** Fraction digits: 0 (none), fewer than 3 (the instant cut to them), 3, or more (extra digits, truncated away). */
  readonly digits: number;
  readonly extra: string;
  /** Minutes east of UTC, or a letter; undefined: no zone (read as UTC). */
  readonly zone: number | 'Z' | 'z' | undefined;
  readonly offsetStyle: 'colon' | 'plain' | 'hours';
}

export const form: fc.Arbitrary<Form> = fc.record({
  separator: fc.constantFrom('T' as const, 't' as const, ' ' as const),
  digits: fc.integer({ min: 0, max: 12 }),
  extra: fc.stringMatching(/^\d{9}$/),
  zone: fc.oneof(fc.constant(undefined), fc.constantFrom('Z' as const, 'z' as const), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 })),
  offsetStyle: fc.constantFrom('colon' as const, 'plain' as const, 'hours' as const),
});

/** The text of `instant` in `f`, and the instant it names (cut to the fraction's digits). */
export function write(instant: number, f: Form): { text: string; names: number } {
  const zone = typeof f.zone === 'number' && f.offsetStyle === 'hours' ? Math.trunc(f.zone / 60) * 60 : f.zone;
  const offsetMs = typeof zone === 'number' ? zone * 60_000 : 0;
  const local = new Date(instant + offsetMs);
  const ms = local.getUTCMilliseconds();
  const kept = f.digits >= 3 ? ms : Math.floor(ms / 10 ** (3 - f.digits)) * 10 ** (3 - f.digits);
  const fraction = f.digits === 0 ? '' : `.${`${pad(ms, 3)}${f.extra}`.slice(0, f.digits)}`;
  let suffix = '';
  if (zone === 'Z' || zone === 'z') suffix = zone;
  else if (typeof zone === 'number') {
    const sign = zone < 0 ? '-' : '+';
    const hh = pad(Math.floor(Math.abs(zone) / 60));
    const mm = pad(Math.abs(zone) % 60);
    suffix = f.offsetStyle === 'colon' ? `${sign}${hh}:${mm}` : f.offsetStyle === 'plain' ? `${sign}${hh}${mm}` : `${sign}${hh}`;
  }
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  return { text: `${date}${f.separator}${time}${fraction}${suffix}`, names: instant - ms + kept };
}

// a day inside each end, so that any offset keeps the instant within 0001-9999
export const instant = fc.integer({ min: FIRST + DAY, max: END - DAY });
/** A timestamp as text, and the instant (epoch ms) it names. */
export const written = fc.tuple(instant, form).map(([i, f]) => write(i, f));
