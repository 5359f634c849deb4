/**
 * The options of a simulated bank, checked: each wrong one is named with what was expected, all
 * at once, in one `CONFIG_INVALID` error.
 */
import { VigieError } from '../../errors.ts';
import { CAMEROON } from './cameroon.ts';
import { HANDBOOK } from './handbook.ts';
import type { BankRun } from './simulation.ts';

export const BANK_PROFILES = ['handbook', 'cameroon'] as const;
export type BankProfile = (typeof BANK_PROFILES)[number];

export interface BankOptions {
  /** `cameroon` by default. */
  readonly profile?: BankProfile;
  /** An integer in [0, 2^53); 1 by default. */
  readonly seed?: number;
  /** The profile's by default (handbook 5 000, cameroon 100 000); at most 10 000 000 (`C` + 7 digits). */
  readonly customers?: number;
  /** The profile's by default (handbook 10 000, cameroon 20 000); at most 10 000 000. */
  readonly terminals?: number;
  /** The profile's by default (handbook 183, cameroon 30). */
  readonly days?: number;
  /** The first day, `YYYY-MM-DD` (UTC); the profile's by default (handbook 2018-04-01, cameroon 2026-01-01). */
  readonly start?: string;
}

/** Ids are `C`/`T` + 7 digits. */
export const MAX_IDS = 10_000_000;
/** Seconds since the start are int32, and the transaction ids too: about 68 years. */
export const MAX_DAYS = 20_000;

export interface CheckedBankOptions extends BankRun {
  readonly profile: BankProfile;
}

/** The options as a command line gives them: numbers as text. */
export type BankOptionsText = { readonly [K in keyof BankOptions]?: BankOptions[K] | string };

/**
 * The options with the profile's defaults, or a `CONFIG_INVALID` error naming every bad one
 * (`prefix` before each name: `--` for the command line's flags). Numbers may come as decimal text.
 */
export function checkBankOptions(options: BankOptionsText, prefix = ''): CheckedBankOptions {
  const bad: string[] = [];
  const profile = (options.profile ?? 'cameroon') as BankProfile;
  if (!BANK_PROFILES.includes(profile)) bad.push(`${prefix}profile: expected one of ${BANK_PROFILES.join(', ')}, got ${JSON.stringify(profile)}`);
  const defaults = profile === 'handbook' ? HANDBOOK : CAMEROON;
  const integer = (name: string, value: number | string | undefined, fallback: number, min: number, max: number): number => {
    const v = value === undefined ? fallback : typeof value === 'string' ? (/^\d{1,16}$/.test(value) ? Number(value) : Number.NaN) : value;
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) bad.push(`${prefix}${name}: expected an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
    return v;
  };
  const seed = integer('seed', options.seed, 1, 0, Number.MAX_SAFE_INTEGER);
  const customers = integer('customers', options.customers, defaults.customers, 1, MAX_IDS);
  const terminals = integer('terminals', options.terminals, defaults.terminals, 1, MAX_IDS);
  const days = integer('days', options.days, defaults.days, 1, MAX_DAYS);
  const startText = options.start ?? defaults.start;
  const start = parseDay(startText);
  if (start === undefined) bad.push(`${prefix}start: expected a date YYYY-MM-DD between 1970-01-01 and 9999-12-31, got ${JSON.stringify(options.start)}`);
  if (bad.length > 0) throw new VigieError('CONFIG_INVALID', `invalid simulated bank options:\n  ${bad.join('\n  ')}`);
  return { profile, seed, customers, terminals, days, start: start! };
}

/** `YYYY-MM-DD` as epoch ms at 00:00 UTC, or undefined when it is not a real date. */
function parseDay(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{4}-\d\d-\d\d$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms) || ms < 0 || new Date(ms).toISOString().slice(0, 10) !== text) return undefined;
  return ms;
}
