import { type OperatorFunction, map } from 'rxjs';
import { z } from 'zod';
import { parseTimestamp } from '../timestamps.ts';
import type { Parsed, SourceRef, Transaction, TransactionRecord } from '../types.ts';

/** Bytes that are not UTF-8 are refused, never turned into U+FFFD; a BOM is kept, so JSON.parse refuses it too. */
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** For the readable form of a dead letter only: its exact bytes travel beside it. */
const lossy = new TextDecoder('utf-8', { ignoreBOM: true });

/** The stage name dead letters of this operator carry. */
export const PARSE_TRANSACTION = 'parse-transaction';

/** A raw message: its text or its exact bytes (UTF-8 expected), where it came from, when it was received. */
export interface TransactionMessage {
  readonly raw: string | Uint8Array;
  readonly ref: SourceRef;
  readonly time: number;
  /**
   * What the record is, when its source says it is not a transaction: the header `vigie-record`
   * (`label`: a label forwarded into the transactions topic, see src/adapters/kafka/labelEvent.ts).
   */
  readonly record?: string;
  /** The record's key, for a record that is not a transaction (a label is keyed by its account). */
  readonly key?: Uint8Array | null;
  /** How many partitions its topic has, for a record that is not a transaction: a label must be in its account's. */
  readonly partitions?: number;
}

/** ISO 4217 codes this runtime knows (162 on Node 20): an unknown currency is a bad record. */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/*
 * Each bound below is the bound of the column the value is written to (migrations.ts): a value
 * the schema accepts must never be one PostgreSQL refuses, or it would fail the whole batch.
 */
const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;
/** numeric(18, 2): 16 digits before the point. */
const NUMERIC_18_2_LIMIT = 1e16;

const int4 = () => z.number().int().min(INT4_MIN, `expected an integer of at least ${INT4_MIN} (PostgreSQL int)`).max(INT4_MAX, `expected an integer of at most ${INT4_MAX} (PostgreSQL int)`);

/** A decimal stored exactly in numeric(18, 2): at most 2 decimals, under 10^16 in magnitude. */
const money = () =>
  z
    .number()
    .finite()
    .refine((n) => Math.abs(n) < NUMERIC_18_2_LIMIT, 'expected less than 10^16 in magnitude (numeric(18, 2))')
    .refine((n) => Number(n.toFixed(2)) === n, 'expected at most 2 decimals (numeric(18, 2)): more would be rounded');

/** Text PostgreSQL stores as given: no NUL character, no lone UTF-16 surrogate. */
const text = () =>
  z
    .string()
    .refine((s) => !s.includes('\u0000'), 'contains a NUL character (\\u0000), which PostgreSQL text cannot hold')
    .refine((s) => !/\p{Cs}/u.test(s), 'contains a lone UTF-16 surrogate, which is not Unicode text');

const location = z
  .object({
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
    country: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 code such as CM').optional(),
  })
  .refine((l) => (l.lat === undefined) === (l.lon === undefined), 'expected both lat and lon, or neither')
  .refine((l) => l.lat !== undefined || l.country !== undefined, 'expected lat/lon or a country');

const transactionSchema = z.object({
  id: int4(),
  transaction_id: int4(),
  amount: money().refine((n) => n >= 0, 'expected a number >= 0'),
  currency: z.string().refine((c) => CURRENCIES.has(c), 'expected a known ISO 4217 currency code such as XAF'),
  // the one reading of a timestamp that the rules' event time and the event_time column share
  timestamp: z.string().superRefine((t, ctx) => {
    const time = parseTimestamp(t);
    if (typeof time === 'string') ctx.addIssue({ code: 'custom', message: time });
  }),
  account: text().min(1).max(128).optional(),
  terminal: text().min(1).max(128).optional(),
  location: location.optional(),
  channel: text().min(1).max(64).optional(),
  type: text().min(1).max(32).optional(),
  /** The available balance before the transaction. */
  balance: money().optional(),
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
export function parseTransaction(): OperatorFunction<TransactionMessage, Parsed<TransactionRecord>> {
  return map(parseTransactionMessage);
}

/** The same parse, for one message. */
export function parseTransactionMessage(message: TransactionMessage): Parsed<TransactionRecord> {
  const { raw, ref } = message;
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : strict.decode(raw);
  } catch {
    return rejected(message, invalidUtf8(raw as Uint8Array));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return rejected(message, `invalid JSON: ${(error as Error).message}`);
  }
  const transaction = plainTransaction(json) ?? checkedTransaction(json);
  if (typeof transaction === 'string') return rejected(message, transaction);
  return { ok: true, value: { transaction, ref } };
}

/** A message's dead letter, its exact bytes kept (a function of its own: no closure made per message that parses). */
function rejected({ raw, ref, time }: TransactionMessage, reason: string): Parsed<TransactionRecord> {
  const bytes = typeof raw === 'string' ? undefined : raw;
  const text = typeof raw === 'string' ? raw : lossy.decode(raw);
  return { ok: false, dead: { stage: PARSE_TRANSACTION, reason, raw: text, ...(bytes && { bytes }), ref, time } };
}

/**
 * The whole schema: the transaction, or what is wrong with it (each field's problem).
 * @internal exported for the spec that holds the fast path to it
 */
export function checkedTransaction(json: unknown): Transaction | string {
  const parsed = transactionSchema.safeParse(json);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
  const { balance, ...fields } = parsed.data;
  return balance === undefined ? fields : { ...fields, balanceBefore: balance };
}

/** The text fields a plain transaction may have besides the five of the prototype, with their longest length. */
const PLAIN_TEXT: Readonly<Record<string, number>> = { account: 128, terminal: 128, channel: 64, type: 32 };
const LONE_SURROGATE = /\p{Cs}/u;

const isInt4 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= INT4_MIN && n <= INT4_MAX;
const isText = (s: unknown, max: number): s is string => typeof s === 'string' && s.length >= 1 && s.length <= max && !s.includes('\u0000') && !LONE_SURROGATE.test(s);

/**
 * Every record's path: the prototype's transaction (and account, terminal, channel, type), checked by hand
 * in a fraction of the schema's time. Accepts only what the schema accepts, and gives the same
 * object (its keys in the schema's order); anything else (another field, a bad value) is left to
 * {@link checkedTransaction}, which says what is wrong.
 * @internal exported for the property test that holds it to the schema on timestamps
 */
export function plainTransaction(json: unknown): Transaction | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  let texts = 0;
  for (const key in o) {
    if (key === 'id' || key === 'transaction_id' || key === 'amount' || key === 'currency' || key === 'timestamp') continue;
    const max = PLAIN_TEXT[key];
    if (max === undefined || !Object.hasOwn(PLAIN_TEXT, key) || !isText(o[key], max)) return undefined;
    texts++;
  }
  const { id, transaction_id, amount, currency, timestamp } = o;
  if (!isInt4(id) || !isInt4(transaction_id)) return undefined;
  if (!(typeof amount === 'number' && amount >= 0 && amount < NUMERIC_18_2_LIMIT && Number(amount.toFixed(2)) === amount)) return undefined;
  if (typeof currency !== 'string' || !CURRENCIES.has(currency)) return undefined;
  if (typeof timestamp !== 'string' || typeof parseTimestamp(timestamp) !== 'number') return undefined;
  if (texts === 0) return { id, transaction_id, amount, currency, timestamp };
  const { account, terminal, channel, type } = o as { account?: string; terminal?: string; channel?: string; type?: string };
  return {
    id,
    transaction_id,
    amount,
    currency,
    timestamp,
    ...(account !== undefined && { account }),
    ...(terminal !== undefined && { terminal }),
    ...(channel !== undefined && { channel }),
    ...(type !== undefined && { type }),
  };
}

/** Says where UTF-8 decoding fails: the first byte a streaming decoder refuses, or a cut last character. */
function invalidUtf8(bytes: Uint8Array): string {
  // a streaming decoder holds back an unfinished last character instead of refusing it, so
  // "this prefix decodes" is monotonic and bisection finds the first bad byte
  const prefixDecodes = (end: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  if (prefixDecodes(bytes.length)) return 'invalid UTF-8: the last character is cut short';
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 1) {
    const mid = (good + bad) >> 1;
    if (prefixDecodes(mid)) good = mid;
    else bad = mid;
  }
  return `invalid UTF-8 at byte ${bad - 1}`;
}
