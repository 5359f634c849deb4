/**
 * A labelled CSV of transactions, whichever of the two vigie reads: the simulated bank's
 * (`transaction_id,timestamp,account,...,fraud,kind`) or PaySim's (`step,type,amount,...,isFraud`),
 * told apart by the header line.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { Observable } from 'rxjs';
import { VigieError } from '../errors.ts';
import { BANK_COLUMNS, fromBankCsv, isBankHeader } from './labelledBank.ts';
import { type LabelledTransaction, PAYSIM_COLUMNS, fromPaysimCsv } from './paysim.ts';

export type LabelledFormat = 'bank' | 'paysim';

/** Which format the file at `path` is, from its first line; an error naming both headers when neither. */
export function labelledFormat(path: string): LabelledFormat {
  const header = firstLine(path);
  if (isBankHeader(header)) return 'bank';
  const names = header.split(',');
  if (PAYSIM_COLUMNS.every((c) => names.includes(c))) return 'paysim';
  throw new VigieError(
    'FILE_INVALID',
    `${path}:1: not a labelled CSV vigie reads: the header is neither the simulated bank's (${BANK_COLUMNS.join(',')}) nor PaySim's (${PAYSIM_COLUMNS.join(',')})`,
  );
}

/** The labelled transactions of `path`, in file order, read as {@link labelledFormat} finds. */
export function fromLabelledCsv(path: string): Observable<LabelledTransaction> {
  return labelledFormat(path) === 'bank' ? fromBankCsv(path) : fromPaysimCsv(path);
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
