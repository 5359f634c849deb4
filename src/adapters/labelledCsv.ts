/**
 * A labelled CSV of transactions, whichever of those vigie reads: the simulated bank's
 * (`transaction_id,timestamp,account,...,fraud,kind`), PaySim's (`step,type,amount,...,isFraud`)
 * or ULB's credit-card transactions (`"Time","V1",...,"V28","Amount","Class"`), told apart by the
 * header line.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { Observable } from 'rxjs';
import { VigieError } from '../errors.ts';
import { BANK_COLUMNS, fromBankCsv, isBankHeader } from './labelledBank.ts';
import { type LabelledTransaction, PAYSIM_COLUMNS, fromPaysimCsv } from './paysim.ts';
import { ULB_COLUMNS, fromUlbCsv, isUlbHeader } from './ulb.ts';

export type LabelledFormat = 'bank' | 'paysim' | 'ulb';

/** Which format the file at `path` is, from its first line; an error naming every header when none. */
export function labelledFormat(path: string): LabelledFormat {
  const header = firstLine(path);
  if (isBankHeader(header)) return 'bank';
  const names = header.split(',');
  if (PAYSIM_COLUMNS.every((c) => names.includes(c))) return 'paysim';
  if (isUlbHeader(header)) return 'ulb';
  throw new VigieError(
    'FILE_INVALID',
    `${path}:1: not a labelled CSV vigie reads: the header is not the simulated bank's (${BANK_COLUMNS.join(',')}), PaySim's (${PAYSIM_COLUMNS.join(',')}) or ULB's (${ULB_COLUMNS.join(',')})`,
  );
}

/** The labelled transactions of `path`, in file order, read as {@link labelledFormat} finds. */
export function fromLabelledCsv(path: string): Observable<LabelledTransaction> {
  const format = labelledFormat(path);
  return format === 'bank' ? fromBankCsv(path) : format === 'paysim' ? fromPaysimCsv(path) : fromUlbCsv(path);
}

/** The file's first line, read without the rest (a header is never longer than 64 KiB). */
function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(65_536);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, length).toString('utf8').split(/\r?\n/)[0]!.replace(/^\uFEFF/, '');
  } finally {
    closeSync(fd);
  }
}
