/**
 * The fraud flow of the prototype as a composable function: transactions → rules → suspicious
 * transactions. Today's rule is the prototype's amount threshold; later rules compose here.
 */
import type { Observable } from 'rxjs';
import { type AmountThresholdOptions, amountThreshold } from '../operators/amountThreshold.ts';
import type { SuspiciousTransaction, TransactionRecord } from '../types.ts';

export type SuspiciousTransactionsOptions = AmountThresholdOptions;

export function suspiciousTransactions(
  transactions$: Observable<TransactionRecord>,
  options: SuspiciousTransactionsOptions = {},
): Observable<SuspiciousTransaction> {
  return transactions$.pipe(amountThreshold(options));
}
