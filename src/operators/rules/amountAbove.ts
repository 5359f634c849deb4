import { type OperatorFunction, map } from 'rxjs';
import { type Judged, flag } from './judged.ts';

export interface AmountAboveOptions {
  /** The limit per currency: an amount strictly above it fires. Currencies without one are not judged. */
  readonly limits?: Readonly<Record<string, number>>;
}

/** The prototype's rule: 10 000 XAF. */
export const defaultAmountAboveOptions: Required<AmountAboveOptions> = { limits: { XAF: 10_000 } };

/**
 * Flags the transactions whose amount is strictly above the limit of their currency, with the
 * reason `amount>LIMIT CURRENCY` and the score amount / limit (> 1 when it fires).
 *
 * Stateless: late records are judged too.
 *
 * ```
 * source:  -a----b----c----|
 *          amountAbove()
 * output:  -a----B----c----|
 *
 * a = 10 000 XAF (not above)   b = 15 000 XAF   B = b + { reasons: ['amount>10000XAF'], score: 1.5 }
 * c = 50 000 EUR (no EUR limit)
 * ```
 *
 * @example
 * records$.pipe(judge(), amountAbove({ limits: { XAF: 10_000, EUR: 15 } }), suspiciousOnly())
 *
 * @param options the limit per currency; 10 000 XAF by default.
 * @return An Observable of every judgement, flagged or not.
 */
export function amountAbove({ limits = defaultAmountAboveOptions.limits }: AmountAboveOptions = {}): OperatorFunction<Judged, Judged> {
  for (const [currency, limit] of Object.entries(limits)) {
    if (!(Number.isFinite(limit) && limit > 0)) {
      throw new RangeError(`amountAbove: the limit for ${currency} must be a positive number, got ${limit}`);
    }
  }
  return map((judged) => {
    const { amount, currency } = judged.record.transaction;
    const limit = limits[currency];
    return limit !== undefined && amount > limit ? flag(judged, `amount>${limit}${currency}`, amount / limit) : judged;
  });
}
