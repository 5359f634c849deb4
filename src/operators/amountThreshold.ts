import { type OperatorFunction, filter, map, pipe } from 'rxjs';
import type { SuspiciousTransaction, TransactionRecord } from '../types.ts';

export interface AmountThresholdOptions {
  /** The limit per currency: a transaction strictly above it is suspicious. Others pass. */
  readonly limits?: Readonly<Record<string, number>>;
}

/** The prototype's rule: 10 000 XAF. */
export const DEFAULT_LIMITS: Readonly<Record<string, number>> = { XAF: 10_000 };

/**
 * Keeps the transactions whose amount is strictly above the limit of their currency, as
 * suspicious transactions with the reason and a score (amount / limit).
 *
 * A transaction in a currency with no limit is not judged by this rule: comparing amounts across
 * currencies without a rate would be wrong, and other rules may still catch it.
 *
 * ```
 * source:  -a----b----c----|
 *          amountThreshold()
 * output:  ------B---------|
 *
 * a = 10 000 XAF (not above)   b = 15 000 XAF   B = { reasons: ['amount>10000XAF'], score: 1.5 }
 * c = 50 000 EUR (no EUR limit)
 * ```
 *
 * @example
 * transactions$.pipe(amountThreshold({ limits: { XAF: 10_000, EUR: 15 } }))
 *
 * @param options the limit per currency; 10 000 XAF by default.
 * @return An Observable of the suspicious transactions only.
 */
export function amountThreshold({ limits = DEFAULT_LIMITS }: AmountThresholdOptions = {}): OperatorFunction<
  TransactionRecord,
  SuspiciousTransaction
> {
  for (const [currency, limit] of Object.entries(limits)) {
    if (!(Number.isFinite(limit) && limit > 0)) {
      throw new RangeError(`amountThreshold: the limit for ${currency} must be a positive number, got ${limit}`);
    }
  }
  const above = ({ transaction: { amount, currency } }: TransactionRecord): boolean => {
    const limit = limits[currency];
    return limit !== undefined && amount > limit;
  };
  return pipe(
    filter(above),
    map(({ transaction, ref }) => {
      const limit = limits[transaction.currency] as number;
      return {
        transaction,
        ref,
        reasons: [`amount>${limit}${transaction.currency}`],
        score: transaction.amount / limit,
      };
    }),
  );
}
