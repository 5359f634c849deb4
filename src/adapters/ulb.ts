/**
 * The ULB credit-card transactions (Worldline and the Université Libre de Bruxelles, September
 * 2013, two days, 284 807 rows, 492 frauds) as vigie transactions, each with its label:
 *
 * ```
 * "Time","V1","V2",...,"V28","Amount","Class"
 * 0,-1.3598071336738,-0.0727811733098497,...,-0.0210530534538215,149.62,"0"
 * ```
 *
 * `Time` is the seconds since the file's first transaction, V1..V28 the principal components the
 * publishers made of the features they could not release, `Amount` in euros, `Class` 1 for a
 * fraud. There is no card, account, terminal or place. A transaction is:
 * - `id` and `transaction_id`: the row number (1 for the first row under the header), so each
 *   transaction is its own "account": rules keyed by account see one transaction each;
 * - `timestamp`: 2013-09-01T00:00:00Z + `Time` seconds. The publishers give the month, not the
 *   day or the hour the file starts at; from that origin the file's quiet hours (few
 *   transactions) fall between 01:00 and 07:00, as a day of card payments does;
 * - `amount`: `Amount`, `currency` EUR;
 * - the fields `Time` and `V1`..`V28`, as numbers, which a rule reads with `{ "field": "V1" }`.
 *
 * Columns are found by name in the header (quoted or not). A row that does not read ends the
 * stream with an error naming `file:line`, the column and what is wrong: a labelled file with a
 * bad row is a broken file, and a score over what is left of it would mislead.
 */
import type { Observable } from 'rxjs';
import type { Transaction } from '../types.ts';
import { fromCsvColumns, headerNames, invalidLine } from './csvColumns.ts';
import type { LabelledTransaction } from './paysim.ts';

export const ULB_COMPONENTS = Array.from({ length: 28 }, (_, i) => `V${i + 1}`) as readonly `V${number}`[];
export const ULB_COLUMNS = ['Time', ...ULB_COMPONENTS, 'Amount', 'Class'] as const;
type UlbColumn = (typeof ULB_COLUMNS)[number];

/** Where `Time` counts from (UTC): the month the publishers name; see the module's comment. */
export const ULB_ORIGIN = Date.UTC(2013, 8, 1);

/** A ULB transaction: a vigie transaction with ULB's own numeric fields. */
export type UlbTransaction = Transaction & { readonly Time: number } & { readonly [component: `V${number}`]: number };

/** True when a header line is ULB's (its columns, quoted or not, in any order). */
export function isUlbHeader(line: string): boolean {
  const names = headerNames(line);
  return ULB_COLUMNS.every((c) => names.includes(c));
}

/** Reads the ULB CSV at `path`, in file order; `source` names the records' `ref.source`. */
export function fromUlbCsv(path: string, source = 'ulb'): Observable<LabelledTransaction> {
  return fromCsvColumns(path, { columns: ULB_COLUMNS, what: 'the ULB credit-card CSV', unquoted: true }, (get, line) => ulbRow(get, path, line, source));
}

/** One data row; `line` is its line in the file (the header is line 1, so the row number is line − 1). */
function ulbRow(get: (c: UlbColumn) => string, path: string, line: number, source: string): LabelledTransaction {
  const bad = (column: UlbColumn, what: string): never => {
    throw invalidLine(path, line, `${column} ${JSON.stringify(get(column))} ${what}`);
  };
  const number = (column: UlbColumn): number => {
    const text = get(column);
    const value = Number(text);
    return text.trim() === '' || !Number.isFinite(value) ? bad(column, 'is not a number') : value;
  };
  const time = number('Time');
  if (time < 0) bad('Time', 'is negative');
  const amount = number('Amount');
  if (amount < 0) bad('Amount', 'is negative');
  const label = get('Class');
  if (label !== '0' && label !== '1') bad('Class', 'is neither 0 nor 1');
  const components: Record<string, number> = {};
  for (const c of ULB_COMPONENTS) components[c] = number(c);
  const row = line - 1;
  const transaction = {
    id: row,
    transaction_id: row,
    amount,
    currency: 'EUR',
    timestamp: new Date(ULB_ORIGIN + Math.round(time * 1000)).toISOString(),
    Time: time,
    ...components,
  } as UlbTransaction;
  return { record: { transaction, ref: { source, partition: 0, offset: line } }, fraud: label === '1' };
}
