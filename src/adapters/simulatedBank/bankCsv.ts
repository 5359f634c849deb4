/**
 * The simulated bank's labelled CSV (the contract of issue 22's helpers):
 * `transaction_id,timestamp,account,terminal,amount,currency,channel,city,lat,lon,fraud,kind`,
 * UTF-8, `\n`, a header line first, rows in event-time order.
 */
import type { Writable } from 'node:stream';
import { CHANNELS, FRAUD_KINDS, NOT_FRAUD } from './bankDay.ts';
import { bankId, isoClock } from './clock.ts';
import { type Bank, type NumberedDay, bankDays } from './simulateBank.ts';

export const BANK_CSV_HEADER = 'transaction_id,timestamp,account,terminal,amount,currency,channel,city,lat,lon,fraud,kind';

/** Per bank, the text of its ids and places, made once: a row is then mostly joins. */
interface BankTexts {
  readonly account: string[];
  readonly terminal: readonly string[];
  /** `city,lat,lon` per terminal (`,,` when the profile has no places). */
  readonly place: readonly string[];
}
const texts = new WeakMap<Bank, BankTexts>();

function bankTexts(bank: Bank): BankTexts {
  let t = texts.get(bank);
  if (t === undefined) {
    const { places } = bank.simulation;
    const n = bank.options.terminals;
    t = {
      account: [],
      terminal: Array.from({ length: n }, (_, i) => bankId('T', i)),
      place: Array.from({ length: n }, (_, i) => (places ? `${places.cities[places.city[i]!]!.name},${places.lat[i]},${places.lon[i]}` : ',,')),
    };
    texts.set(bank, t);
  }
  return t;
}

const LABELS = ['0,', ...FRAUD_KINDS.map((k) => `1,${k}`)];

/** One day's rows, each ending in `\n`. */
export function bankCsvRows(bank: Bank, day: NumberedDay, clock = isoClock(bank.options.start)): string {
  const { decimals, currency } = bank.simulation;
  const { account, terminal, place } = bankTexts(bank);
  let out = '';
  for (let i = 0; i < day.count; i++) {
    const c = day.customer[i]!;
    const t = day.terminal[i]!;
    const amount = decimals === 0 ? String(day.amount[i]!) : day.amount[i]!.toFixed(decimals);
    out += `${day.firstId + i},${clock(day.time[i]!)},${(account[c] ??= bankId('C', c))},${terminal[t]},${amount},${currency},${CHANNELS[day.channel[i]!]},${place[t]},${LABELS[day.kind[i]!]}\n`;
  }
  return out;
}

/** What a run wrote: its rows, and its frauds by kind. */
export interface BankTally {
  rows: number;
  frauds: number;
  readonly byKind: Record<string, number>;
}

export function emptyTally(): BankTally {
  return { rows: 0, frauds: 0, byKind: Object.fromEntries(FRAUD_KINDS.map((k) => [k, 0])) };
}

export function tallyDay(tally: BankTally, day: NumberedDay): void {
  tally.rows += day.count;
  for (let i = 0; i < day.count; i++) {
    const kind = day.kind[i]!;
    if (kind === NOT_FRAUD) continue;
    tally.frauds++;
    tally.byKind[FRAUD_KINDS[kind - 1]!]!++;
  }
}

/**
 * Writes the bank's CSV to `out`, a day at a time, waiting for the stream to drain (memory holds
 * one day); calls `onDay` after each day. Does not end `out`.
 */
export async function writeBankCsv(bank: Bank, out: Writable, onDay?: (day: NumberedDay, tally: BankTally) => void): Promise<BankTally> {
  const tally = emptyTally();
  const clock = isoClock(bank.options.start);
  await write(out, `${BANK_CSV_HEADER}\n`);
  for (const day of bankDays(bank)) {
    // a day of a million-customer bank is a few hundred megabytes of text: in slices
    for (let from = 0; from < day.count; from += 50_000) {
      const slice = { ...day, count: Math.min(50_000, day.count - from), firstId: day.firstId + from, ...sliceColumns(day, from) };
      await write(out, bankCsvRows(bank, slice, clock));
    }
    tallyDay(tally, day);
    onDay?.(day, tally);
  }
  return tally;
}

function sliceColumns(day: NumberedDay, from: number): Pick<NumberedDay, 'time' | 'customer' | 'terminal' | 'amount' | 'channel' | 'kind'> {
  return {
    time: day.time.subarray(from),
    customer: day.customer.subarray(from),
    terminal: day.terminal.subarray(from),
    amount: day.amount.subarray(from),
    channel: day.channel.subarray(from),
    kind: day.kind.subarray(from),
  };
}

function write(out: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    out.once('error', onError);
    const flushed = out.write(text);
    const done = (): void => {
      out.off('error', onError);
      resolve();
    };
    if (flushed) done();
    else out.once('drain', done);
  });
}
