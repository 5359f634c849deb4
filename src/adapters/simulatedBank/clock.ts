/** Seconds since a simulation's start as `YYYY-MM-DDTHH:MM:SSZ`, without a Date per transaction. */
import { DAY_SECONDS } from './bankDay.ts';

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

export function isoClock(start: number): (seconds: number) => string {
  let cachedDay = Number.NaN;
  let prefix = '';
  return (seconds) => {
    const day = Math.floor(seconds / DAY_SECONDS);
    if (day !== cachedDay) {
      cachedDay = day;
      prefix = new Date(start + day * DAY_SECONDS * 1000).toISOString().slice(0, 11);
    }
    const s = seconds - day * DAY_SECONDS;
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return `${prefix}${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[s % 60]}Z`;
  };
}

/** `C0000596`, `T0003156`: a prefix and 7 digits. */
export const bankId = (prefix: 'C' | 'T', n: number): string => prefix + String(n).padStart(7, '0');
