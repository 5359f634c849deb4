import { type OperatorFunction, map } from 'rxjs';
import { z } from 'zod';
import type { Parsed, SourceRef, Transaction, TransactionRecord } from '../types.ts';

/** The stage name dead letters of this operator carry. */
export const PARSE_TRANSACTION = 'parse-transaction';

/** A raw message: its text, where it came from, when it was received. */
export interface RawMessage {
  readonly raw: string;
  readonly ref: SourceRef;
  readonly time: number;
}

/** ISO 4217 codes this runtime knows (162 on Node 20): an unknown currency is a bad record. */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

const location = z
  .object({
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
    country: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 code such as CM').optional(),
  })
  .refine((l) => (l.lat === undefined) === (l.lon === undefined), 'expected both lat and lon, or neither')
  .refine((l) => l.lat !== undefined || l.country !== undefined, 'expected lat/lon or a country');

const transactionSchema = z.object({
  id: z.number().int(),
  transaction_id: z.number().int(),
  amount: z.number().finite().nonnegative(),
  currency: z.string().refine((c) => CURRENCIES.has(c), 'expected a known ISO 4217 currency code such as XAF'),
  timestamp: z
    .string()
    .regex(/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d/, 'expected YYYY-MM-DD HH:MM:SS')
    .refine((t) => Number.isFinite(Date.parse(`${t.slice(0, 10)}T${t.slice(11, 19)}Z`)), 'not a real date and time'),
  account: z.string().min(1).max(128).optional(),
  location: location.optional(),
  channel: z.string().min(1).max(64).optional(),
  type: z.string().min(1).max(32).optional(),
  /** The available balance before the transaction. */
  balance: z.number().finite().optional(),
});

/**
 * Parses the prototype's JSON transactions, checking every field; a message that is not one
 * becomes a dead letter saying which field is wrong and why, with the raw text.
 *
 * ```
 * source:  -a----b----c--|
 *          parseTransaction()
 * output:  -A----B----C--|
 *
 * a = '{"id":1234,"transaction_id":56789,"amount":15000,"currency":"XAF","timestamp":"2026-11-22 10:00:00"}'
 * b = 'not json'        B = dead letter 'invalid JSON: ...'
 * c = '{"id":"x",...}'  C = dead letter 'id: expected number, received string'
 * ```
 *
 * @example
 * messages$.pipe(parseTransaction(), filter((p) => p.ok), map((p) => p.value), defaultRules())
 *
 * @return An Observable of one {@link Parsed} transaction per message, keeping its source.
 */
export function parseTransaction(): OperatorFunction<RawMessage, Parsed<TransactionRecord>> {
  return map(parseTransactionMessage);
}

/** The same parse, for one message. */
export function parseTransactionMessage({ raw, ref, time }: RawMessage): Parsed<TransactionRecord> {
  const reject = (reason: string): Parsed<TransactionRecord> => ({ ok: false, dead: { stage: PARSE_TRANSACTION, reason, raw, ref, time } });
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return reject(`invalid JSON: ${(error as Error).message}`);
  }
  const parsed = transactionSchema.safeParse(json);
  if (!parsed.success) {
    return reject(parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; '));
  }
  const { balance, ...fields } = parsed.data;
  const transaction: Transaction = balance === undefined ? fields : { ...fields, balanceBefore: balance };
  return { ok: true, value: { transaction, ref } };
}
