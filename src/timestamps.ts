/**
 * Transaction timestamps, read once for all: `parseTransaction` (its schema and its fast path),
 * the rules' event time and the `event_time` column all call {@link parseTimestamp}, so that what
 * one accepts the others can never refuse.
 *
 * Accepted: `YYYY-MM-DD HH:MM:SS` (the prototype's) and ISO 8601 / RFC 3339 as banks' systems
 * write it: `T` (or `t`, or a space) between date and time, optional fractional seconds after a
 * `.` (any number of digits, truncated to the millisecond), then optionally `Z`/`z` or a numeric
 * offset `+01:00`, `+0100`, `+01`, `-05:30` (hours 00-23, minutes 00-59). A time without a zone is
 * read as UTC, the prototype's meaning: its differences stay right, which is all the rules need.
 *
 * Refused: any other shape, a date that does not exist (`2026-02-30`, `2025-02-29`), hour 24
 * (`24:00:00` too: write `00:00:00` of the next day), minute 60, leap second `:60` (the instant
 * is ambiguous and JavaScript has none), and an instant outside years 0001-9999 once its offset is
 * applied (PostgreSQL's `timestamptz` has no year 0).
 *
 * ```
 * parseTimestamp('2026-03-01 10:30:00')             → 1772361000000
 * parseTimestamp('2026-03-01T11:30:00.1239+01:00')  → 1772361000123
 * parseTimestamp('2026-02-30 10:00:00')             → 'day 30 does not exist in 2026-02 (28 days) in "2026-02-30 10:00:00"'
 * ```
 */

const FORM = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d)(?::?(\d\d))?)?$/;

const DAY_MS = 86_400_000;
/** 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z: PostgreSQL's timestamptz and a 4-digit ISO year hold what is between. */
const FIRST_MS = -62_135_596_800_000;
const END_MS = 253_402_300_800_000;

/** Quoted as JSON (a control character stays visible), cut when long: a dead letter's reason stays readable. */
const quote = (text: string): string => JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number): number => (m === 2 ? (isLeap(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31);

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil): `Date.UTC` reads years 0-99 as 1900-1999. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/**
 * The instant a transaction timestamp names, in epoch ms, or why it names none (a reason that
 * quotes the value; the caller names the field).
 */
export function parseTimestamp(text: string): number | string {
  if (text !== lastText) [lastText, lastReading] = [text, readTimestamp(text)];
  return lastReading;
}

/**
 * The last timestamp read and its reading. A transaction's timestamp is read three times on its
 * way (parsing, the rules' event time, its row), and transactions that follow each other mostly
 * share their second (the seed's producer stamps to the second): at 5 000/s this one entry spares
 * nearly every reading but the first, a regular expression and a date computation each.
 */
let lastText: string | undefined;
let lastReading: number | string = Number.NaN;

function readTimestamp(text: string): number | string {
  const m = FORM.exec(text);
  if (m === null) return `expected YYYY-MM-DD HH:MM:SS or ISO 8601 such as 2026-03-01T10:30:00.123+01:00, got ${quote(text)}`;
  const year = +m[1]!;
  const month = +m[2]!;
  const day = +m[3]!;
  const hour = +m[4]!;
  const minute = +m[5]!;
  const second = +m[6]!;
  if (month < 1 || month > 12) return `month ${m[2]} does not exist in ${quote(text)}`;
  if (day < 1 || day > daysIn(year, month)) return `day ${m[3]} does not exist in ${m[1]}-${m[2]} (${daysIn(year, month)} days) in ${quote(text)}`;
  if (hour > 23) return `hour ${m[4]} does not exist (00-23; 24:00:00 is refused) in ${quote(text)}`;
  if (minute > 59) return `minute ${m[5]} does not exist in ${quote(text)}`;
  if (second > 59) return `second ${m[6]} does not exist (leap seconds are refused) in ${quote(text)}`;
  let offset = 0;
  if (m[9] !== undefined) {
    const hours = +m[10]!;
    const minutes = m[11] === undefined ? 0 : +m[11];
    if (hours > 23 || minutes > 59) return `offset ${text.slice(m[7] === undefined ? 19 : 20 + m[7].length)} is out of range (at most ±23:59) in ${quote(text)}`;
    offset = (m[9] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
  }
  const ms = m[7] === undefined ? 0 : +`${m[7]}00`.slice(0, 3);
  const time = daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + ms - offset;
  if (time < FIRST_MS || time >= END_MS) return `the instant is outside years 0001-9999 (PostgreSQL timestamptz) in ${quote(text)}`;
  return time;
}
