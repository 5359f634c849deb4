/**
 * The simulated bank's labelled CSV (`vigie simulate bank --out FILE.csv`) as vigie transactions,
 * each with its label and fraud kind, so the rules can be scored on it:
 *
 * ```
 * transaction_id,timestamp,account,terminal,amount,currency,channel,city,lat,lon,fraud,kind
 * 0,2018-04-01T00:00:31Z,C0000596,T0003156,57.16,EUR,card,,,,0,
 * ```
 *
 * The transaction is the one the simulator sends to Kafka: `id` the customer's number (the
 * account's digits), `location` the terminal's coordinates when the row has them (the CSV has no
 * country: a profile's places are all in one, so the location rule decides the same). Columns are
 * found by name in the header. A row that does not read ends the stream with an error naming
 * `file:line`, the column and what is wrong: a labelled file with a bad row is a broken file,
 * and a score over what is left of it would mislead.
 */
import type { Observable } from 'rxjs';
import { parseTimestamp } from '../timestamps.ts';
import type { Transaction } from '../types.ts';
import { fromCsvColumns, invalidLine } from './csvColumns.ts';
import type { LabelledTransaction } from './paysim.ts';

export const BANK_COLUMNS = ['transaction_id', 'timestamp', 'account', 'terminal', 'amount', 'currency', 'channel', 'city', 'lat', 'lon', 'fraud', 'kind'] as const;
type BankColumn = (typeof BANK_COLUMNS)[number];

/** True when a header line is the bank CSV's (its columns, in any order). */
export function isBankHeader(line: string): boolean {
  const names = line.split(',');
  return BANK_COLUMNS.every((c) => names.includes(c));
}

/** Reads the bank CSV at `path`, in file order; `source` names the records' `ref.source`. */
export function fromBankCsv(path: string, source = 'labelled-bank'): Observable<LabelledTransaction> {
  return fromCsvColumns(path, { columns: BANK_COLUMNS, what: "the bank's labelled CSV" }, (get, line) => bankRow(get, path, line, source));
}

function bankRow(get: (c: BankColumn) => string, path: string, line: number, source: string): LabelledTransaction {
  const bad = (column: BankColumn, what: string): never => {
    throw invalidLine(path, line, `${column} ${JSON.stringify(get(column))} ${what}`);
  };
  const number = (column: BankColumn): number => {
    const text = get(column);
    const value = Number(text);
    return text.trim() === '' || !Number.isFinite(value) ? bad(column, 'is not a number') : value;
  };
  const transactionId = number('transaction_id');
  if (!Number.isSafeInteger(transactionId) || transactionId < 0) bad('transaction_id', 'is not an integer >= 0');
  const timestamp = get('timestamp');
  if (typeof parseTimestamp(timestamp) === 'string') bad('timestamp', 'is not a date and time (YYYY-MM-DDTHH:MM:SSZ)');
  const account = get('account');
  const digits = /^[A-Za-z]*(\d{1,15})$/.exec(account);
  if (digits === null) bad('account', 'is not letters then digits (C0000596)');
  const amount = number('amount');
  if (amount < 0) bad('amount', 'is negative');
  const currency = get('currency');
  if (!/^[A-Z]{3}$/.test(currency)) bad('currency', 'is not an ISO 4217 code (XAF, EUR)');
  const lat = get('lat');
  const lon = get('lon');
  if ((lat === '') !== (lon === '')) bad(lat === '' ? 'lat' : 'lon', 'is given without the other coordinate');
  if (lat !== '' && !(Math.abs(number('lat')) <= 90)) bad('lat', 'is outside [-90, 90]');
  if (lon !== '' && !(Math.abs(number('lon')) <= 180)) bad('lon', 'is outside [-180, 180]');
  const fraud = get('fraud');
  if (fraud !== '0' && fraud !== '1') bad('fraud', 'is neither 0 nor 1');
  const kind = get('kind');
  if (fraud === '1' && kind === '') bad('kind', 'is empty on a fraud');
  if (fraud === '0' && kind !== '') bad('kind', 'is given on a row that is not a fraud');
  const channel = get('channel');
  const terminal = get('terminal');
  const transaction: Transaction = {
    id: Number(digits![1]),
    transaction_id: transactionId,
    amount,
    currency,
    timestamp,
    account,
    ...(terminal === '' ? {} : { terminal }),
    ...(channel === '' ? {} : { channel }),
    ...(lat === '' ? {} : { location: { lat: Number(lat), lon: Number(lon) } }),
  };
  return {
    record: { transaction, ref: { source, partition: 0, offset: line } },
    fraud: fraud === '1',
    ...(fraud === '1' ? { kind } : {}),
  };
}
