/**
 * PaySim's labelled transactions (../shared/data/paysim) as vigie transactions, so the same flow
 * that runs on Kafka can be measured against ground truth.
 *
 * The mapping is generic, nothing keyed to PaySim's quirks: the originator (`nameOrig`) is the
 * account, `type` the type, `oldbalanceOrg` the balance before. PaySim gives only the hour
 * (`step`), so the rows of one step are spread evenly over that hour in file order, from
 * 2026-01-01 00:00:00 (UTC) for step 1. PaySim's currency is not named; the amounts are read as
 * XAF, which is what the prototype's 10 000 threshold assumes. The label `isFraud` is kept beside,
 * and a fraud's kind is its `type` (`TRANSFER`, `CASH_OUT`).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Observable } from 'rxjs';
import type { Transaction, TransactionRecord } from '../types.ts';

export interface LabelledTransaction {
  readonly record: TransactionRecord;
  readonly fraud: boolean;
  /** For a fraud, which kind (`amount-above-limit`, `card-testing`, ...; PaySim's: its `type`); absent otherwise. */
  readonly kind?: string;
  /** Label events known by its time (stored history, src/adapters/postgres/storedHistory.ts): they come before it. */
  readonly labels?: readonly TransactionRecord[];
}

const BASE = Date.UTC(2026, 0, 1);
export const PAYSIM_COLUMNS = ['step', 'type', 'amount', 'nameOrig', 'oldbalanceOrg', 'newbalanceOrig', 'nameDest', 'oldbalanceDest', 'newbalanceDest', 'isFraud'];

/**
 * PaySim's "balance errors", what its simulator's books fail to balance by: for the originator
 * `newbalanceOrig + amount − oldbalanceOrg`, for the destination `oldbalanceDest + amount −
 * newbalanceDest`. They leak how the simulator writes frauds (issue 24: F1 0.963 with them, 0.086
 * without), and no source but PaySim has them; the rule language has no sum or difference (a
 * value is a field, a ratio, an aggregate, ...), so they come as fields of the transaction that
 * rules read as they are (rules/paysim-balance-errors.json).
 */
export interface PaysimBalanceErrors {
  readonly errorBalanceOrig: number;
  readonly errorBalanceDest: number;
}

export interface PaysimOptions {
  /** Each transaction also carries {@link PaysimBalanceErrors}; off by default. */
  readonly balanceErrors?: boolean;
}

/** Reads a PaySim CSV; a row that does not parse ends the stream with an error naming the line. */
export function fromPaysimCsv(path: string, options: PaysimOptions = {}): Observable<LabelledTransaction> {
  return new Observable<LabelledTransaction>((subscriber) => {
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    let header: string[] | null = null;
    let lineNumber = 0;
    const rows: string[][] = [];
    /** Each row's line number: its offset (unique; blank lines skipped). */
    const rowLines: number[] = [];
    let step = -1;
    const flushStep = (): void => {
      rows.forEach((row, i) => subscriber.next(toLabelled(header!, row, step, i, rows.length, rowLines[i]!, options.balanceErrors === true)));
      rows.length = 0;
      rowLines.length = 0;
    };
    lines.on('line', (line) => {
      lineNumber++;
      if (header === null) {
        header = line.split(',');
        const missing = PAYSIM_COLUMNS.filter((c) => !header!.includes(c));
        if (missing.length > 0) subscriber.error(new Error(`${path}: not a PaySim file, missing columns ${missing.join(', ')}`));
        return;
      }
      if (line.trim() === '') return;
      const row = line.split(',');
      const stepText = row[header.indexOf('step')] ?? '';
      // Number('') is 0: an empty step would pass for step 0
      const rowStep = /^\d+$/.test(stepText.trim()) ? Number(stepText) : Number.NaN;
      if (!Number.isInteger(rowStep)) return subscriber.error(new Error(`${path}:${lineNumber}: step ${JSON.stringify(stepText)} is not an integer`));
      if (rowStep !== step && rows.length > 0) flushStep();
      step = rowStep;
      rows.push(row);
      rowLines.push(lineNumber);
    });
    lines.on('close', () => {
      flushStep();
      subscriber.complete();
    });
    lines.on('error', (error) => subscriber.error(error));
    return () => lines.close();
  });
}

function toLabelled(header: string[], row: string[], step: number, index: number, inStep: number, offset: number, balanceErrors: boolean): LabelledTransaction {
  const get = (name: string): string => row[header.indexOf(name)] ?? '';
  const time = BASE + (step - 1) * 3_600_000 + Math.floor((index * 3_600_000) / inStep);
  const transaction: Transaction = {
    id: offset,
    transaction_id: offset,
    amount: Number(get('amount')),
    currency: 'XAF',
    timestamp: new Date(time).toISOString().slice(0, 19).replace('T', ' '),
    account: get('nameOrig'),
    type: get('type'),
    balanceBefore: Number(get('oldbalanceOrg')),
    ...(balanceErrors ? errorsOf(get) : {}),
  };
  const fraud = get('isFraud') === '1';
  return { record: { transaction, ref: { source: 'paysim', partition: 0, offset } }, fraud, ...(fraud ? { kind: transaction.type! } : {}) };
}

function errorsOf(get: (name: string) => string): PaysimBalanceErrors {
  const amount = Number(get('amount'));
  return {
    errorBalanceOrig: Number(get('newbalanceOrig')) + amount - Number(get('oldbalanceOrg')),
    errorBalanceDest: Number(get('oldbalanceDest')) + amount - Number(get('newbalanceDest')),
  };
}
