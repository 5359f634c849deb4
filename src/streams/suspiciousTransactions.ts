/**
 * The fraud flow as a composable function: transactions → the rules (amount per currency, balance
 * drain, frequency, location, amount against the account's history, in event time) → the
 * suspicious transactions, each with every reason that fired and a score.
 */
import type { Observable } from 'rxjs';
import { type DefaultRulesOptions, defaultRules } from '../operators/rules/index.ts';
import type { SuspiciousTransaction, TransactionRecord } from '../types.ts';

export type SuspiciousTransactionsOptions = DefaultRulesOptions;

export function suspiciousTransactions(
  transactions$: Observable<TransactionRecord>,
  options: SuspiciousTransactionsOptions = {},
): Observable<SuspiciousTransaction> {
  return transactions$.pipe(defaultRules(options));
}
