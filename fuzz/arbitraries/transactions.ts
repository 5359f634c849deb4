/**
 * Transactions from their grammar (the seed's five fields and the optional ones of
 * src/operators/parseTransaction.ts), then mutated. A transaction is built as JSON entries, each
 * value as its raw text, so that a mutation can write what `JSON.stringify` never would: `1e5`,
 * `-0`, `NaN`, a lone surrogate escape, a duplicate key, bytes that are not UTF-8.
 *
 * What each mutation must give is decided here, from the issue's words, not from vigie's code.
 */
import fc from 'fast-check';
import { type Expect, type FuzzCase, fuzzCase } from './fuzzCase.ts';
import { accountStreamCase, inSequence } from './accounts.ts';
import { CURRENCY_EDGES, INT4_EDGES, hugeLength, LOCATION_EDGES, MONEY_EDGES, NEGATIVE_MONEY, TEXT_EDGES } from './edges.ts';
import { brokenTimestamp, doubtfulTimestamp, validTimestamp } from './timestamps.ts';

type Entries = readonly (readonly [string, string])[];
interface Draft {
  readonly entries: Entries;
  readonly expect: Expect;
  readonly what: string;
  readonly amount?: { readonly value: number; readonly currency: string };
}

const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;
const CURRENCIES = Intl.supportedValuesOf('currency');
/** Every plane: a code point drawn from any of the 17, never a surrogate or NUL. */
const anyPlane = fc
  .tuple(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 0, max: 0xffff }))
  .map(([plane, low]) => plane * 0x10000 + low)
  .filter((cp) => cp !== 0 && (cp < 0xd800 || cp > 0xdfff))
  .map((cp) => String.fromCodePoint(cp));
/** Text of 1 to `max` UTF-16 units from every plane, as the schema's text fields hold. */
const text = (max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.oneof(fc.constantFrom(...'abcXYZ019 -_'), anyPlane), minLength: 1, maxLength: max }).filter((s) => s.length <= max);

const int4 = fc.oneof(fc.integer({ min: INT4_MIN, max: INT4_MAX }), fc.integer({ min: 1000, max: 99_999 }));
/** An amount numeric(18, 2) holds: cents, small and large, and integers up to 2^53. */
const money = fc.oneof(
  fc.integer({ min: 0, max: 5_000_000 }).map((c) => c / 100),
  fc.integer({ min: 0, max: 2 ** 40 }).map((c) => c / 100),
  fc.maxSafeNat(),
  fc.constantFrom(10_000, 10_000.01, 9_999.99, 9_999_999_999_999_998),
);
const currency = fc.oneof({ weight: 3, arbitrary: fc.constant('XAF') }, { weight: 1, arbitrary: fc.constantFrom(...CURRENCIES) });
const location = fc.oneof(
  fc.record({ lat: fc.double({ min: -90, max: 90, noNaN: true }), lon: fc.double({ min: -180, max: 180, noNaN: true }) }),
  fc.record({ country: fc.stringMatching(/^[A-Z]{2}$/) }),
  fc.record({ lat: fc.constantFrom(-90, 90, 0, -0), lon: fc.constantFrom(-180, 180, 0), country: fc.stringMatching(/^[A-Z]{2}$/) }),
);

/** A valid transaction, as JSON entries with `JSON.stringify`'s spelling. */
const validFields = fc.record(
  {
    id: int4,
    transaction_id: int4,
    amount: money,
    currency,
    timestamp: validTimestamp,
    account: text(128),
    location,
    channel: text(64),
    type: text(32),
    balance: fc.oneof(money, money.map((m) => -m)),
  },
  { requiredKeys: ['id', 'transaction_id', 'amount', 'currency', 'timestamp'] },
);

const valid: fc.Arbitrary<Draft> = validFields.map((t) => ({
  entries: Object.entries(t).map(([k, v]) => [k, JSON.stringify(v)] as const),
  expect: 'valid',
  what: 'valid',
  amount: { value: t.amount, currency: t.currency },
}));

/** Another spelling of the same JSON number: an exponent, a trailing `.0`, `-0`. */
const respell = (raw: string, how: number): string => {
  const n = Number(raw);
  if (how === 0) return n.toExponential();
  if (how === 1) return Number.isInteger(n) ? `${raw}.0` : `${raw}0`;
  if (how === 2) return raw.toUpperCase().replace('E', 'E+').replace('E+-', 'E-').replace('E++', 'E+');
  return n === 0 ? '-0' : raw;
};

/** Non-ASCII written as `\uXXXX` escapes (surrogate pairs for the other planes). */
const escapeNonAscii = (raw: string): string => raw.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const set = (d: Draft, key: string, raw: string | undefined): Entries =>
  raw === undefined ? d.entries.filter(([k]) => k !== key) : d.entries.some(([k]) => k === key) ? d.entries.map(([k, v]) => [k, k === key ? raw : v] as const) : [...d.entries, [key, raw] as const];

const mutate = (d: Draft, key: string, raw: string | undefined, expect: Expect, what: string): Draft => {
  const amount = key === 'amount' || key === 'currency' || expect !== 'valid' ? {} : d.amount ? { amount: d.amount } : {};
  return { entries: set(d, key, raw), expect, what, ...amount };
};

const entry = (table: Record<string, Expect>) => fc.constantFrom(...Object.entries(table));
const REQUIRED = ['id', 'transaction_id', 'amount', 'currency', 'timestamp'] as const;
const TEXT_FIELDS = { account: 128, channel: 64, type: 32 } as const;

/** A valid transaction with one thing changed, and what that change must give. */
const mutation: fc.Arbitrary<Draft> = fc.oneof(
  // missing a required field
  fc.tuple(valid, fc.constantFrom(...REQUIRED)).map(([d, f]) => mutate(d, f, undefined, 'invalid', `no ${f}`)),
  // numbers at the edges, and of the wrong type
  fc.tuple(valid, fc.constantFrom('id', 'transaction_id'), entry(INT4_EDGES)).map(([d, f, [raw, e]]) => mutate(d, f, raw, e, `${f}: ${raw}`)),
  fc.tuple(valid, fc.constantFrom('amount', 'balance'), entry(MONEY_EDGES)).map(([d, f, [raw, e]]) => mutate(d, f, raw, e, `${f}: ${raw}`)),
  fc.tuple(valid, entry(NEGATIVE_MONEY)).map(([d, [raw, e]]) => mutate(d, 'amount', raw, e, `amount: ${raw}`)),
  fc.tuple(valid, fc.double()).map(([d, n]) => mutate(d, 'amount', JSON.stringify(n), n < 0 || !Number.isFinite(n) ? 'invalid' : 'either', `amount: ${JSON.stringify(n)}`)),
  fc.tuple(valid, entry(LOCATION_EDGES)).map(([d, [raw, e]]) => mutate(d, 'location', raw, e, `location: ${raw}`)),
  fc.tuple(valid, entry(CURRENCY_EDGES)).map(([d, [raw, e]]) => mutate(d, 'currency', raw, e, `currency: ${raw}`)),
  // text: broken whatever its length, empty, one unit too long, every plane at the limit
  fc.tuple(valid, fc.constantFrom(...Object.keys(TEXT_FIELDS)), entry(TEXT_EDGES)).map(([d, f, [raw, e]]) => mutate(d, f, raw, e, `${f}: ${raw}`)),
  fc.tuple(valid, fc.constantFrom(...Object.entries(TEXT_FIELDS)), fc.boolean()).map(([d, [f, max], over]) =>
    mutate(d, f, JSON.stringify('é'.repeat(over ? max + 1 : max)), over ? 'invalid' : 'valid', `${f}: ${over ? max + 1 : max} characters`)),
  fc.tuple(valid, fc.constantFrom(...Object.keys(TEXT_FIELDS)), hugeLength).map(([d, f, n]) => mutate(d, f, JSON.stringify('x'.repeat(n)), 'invalid', `${f}: ${n} characters`)),
  // timestamps in every form, and broken ones
  fc.tuple(valid, brokenTimestamp).map(([d, b]) => mutate(d, 'timestamp', JSON.stringify(b.timestamp), b.expect, `timestamp: ${JSON.stringify(b.timestamp)}`)),
  fc.tuple(valid, doubtfulTimestamp).map(([d, t]) => mutate(d, 'timestamp', JSON.stringify(t), 'either', `timestamp: ${JSON.stringify(t)}`)),
  fc.tuple(valid, fc.oneof(fc.integer(), fc.constant(null), fc.constant(true))).map(([d, t]) => mutate(d, 'timestamp', JSON.stringify(t), 'invalid', `timestamp: ${JSON.stringify(t)}`)),
  // the same valid JSON, spelled otherwise
  fc.tuple(valid, fc.constantFrom('id', 'transaction_id', 'amount'), fc.integer({ min: 0, max: 3 })).map(([d, f, how]) => {
    const raw = respell(d.entries.find(([k]) => k === f)![1], how);
    return { ...mutate(d, f, raw, 'valid', `${f} spelled ${raw}`), ...(d.amount && { amount: d.amount }) };
  }),
  valid.map((d) => ({ ...d, entries: d.entries.map(([k, v]) => [k, escapeNonAscii(v)] as const), what: 'non-ASCII as \\u escapes' })),
  fc.tuple(valid, fc.shuffledSubarray(REQUIRED as unknown as string[], { minLength: 5, maxLength: 5 })).map(([d, order]) => ({
    ...d,
    entries: [...order.map((k) => d.entries.find(([e]) => e === k)!), ...d.entries.filter(([k]) => !order.includes(k))],
    what: `keys in the order ${order.join(', ')}`,
  })),
  // fields the schema does not know, a key twice: the issue leaves them open
  fc.tuple(valid, fc.oneof(fc.constantFrom('extra', '__proto__', 'constructor', 'Amount', ''), fc.string()), fc.json()).map(([d, k, raw]) => mutate(d, k, raw, 'either', `extra field ${JSON.stringify(k)}`)),
  fc.tuple(valid, hugeLength).map(([d, n]) => mutate(d, 'note', JSON.stringify('y'.repeat(n)), 'either', `extra field of ${n} characters`)),
  fc.tuple(valid, fc.constantFrom(...REQUIRED), fc.json()).map(([d, f, raw]) => ({ ...d, entries: [...d.entries, [f, raw] as const], expect: 'either' as const, what: `${f} twice, then ${raw}` })),
);

const jsonText = (entries: Entries): string => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

/** What bytes can do that JSON text cannot: not UTF-8, a BOM, cut short, NUL, not JSON at all. */
const byteLevel: fc.Arbitrary<{ bytes: Buffer; expect: Expect; what: string }> = fc.oneof(
  valid.map((d) => ({ bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(jsonText(d.entries))]), expect: 'invalid' as const, what: 'a UTF-8 BOM first' })),
  valid.map((d) => ({ bytes: Buffer.from(`\ufeff${jsonText(d.entries)}`, 'utf16le'), expect: 'invalid' as const, what: 'UTF-16' })),
  fc.tuple(valid, fc.constantFrom([0xff], [0xfe], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80])).map(([d, bad]) => {
    const json = Buffer.from(jsonText(set(d, 'account', '"@"')));
    const at = json.indexOf('@');
    return { bytes: Buffer.concat([json.subarray(0, at), Buffer.from(bad), json.subarray(at + 1)]), expect: 'invalid' as const, what: `bytes ${Buffer.from(bad).toString('hex')} in account` };
  }),
  fc.tuple(valid, fc.nat()).map(([d, cut]) => {
    const json = Buffer.from(jsonText(d.entries));
    return { bytes: json.subarray(0, cut % json.length), expect: 'invalid' as const, what: `cut after ${cut % json.length} bytes` };
  }),
  fc.tuple(valid, fc.constantFrom('\u0000', '\u0001', '\u001f')).map(([d, c]) => ({ bytes: Buffer.from(jsonText(set(d, 'account', `"a${c}b"`))), expect: 'invalid' as const, what: `raw ${JSON.stringify(c)} in a string` })),
  fc.tuple(valid, fc.constantFrom('x', '}', ',', '\u0000', '{}', ' 1')).map(([d, tail]) => ({ bytes: Buffer.from(jsonText(d.entries) + tail), expect: 'invalid' as const, what: `followed by ${JSON.stringify(tail)}` })),
  fc.tuple(valid, fc.constantFrom(' ', '\n', '\r\n', '\t')).map(([d, ws]) => ({ bytes: Buffer.from(ws + jsonText(d.entries) + ws), expect: 'either' as const, what: 'surrounded by white space' })),
  fc.constantFrom('', ' ', 'null', '[]', '0', '"text"', '[{"id":1}]', 'NaN', '{', '}').map((s) => ({ bytes: Buffer.from(s), expect: 'invalid' as const, what: `not an object: ${JSON.stringify(s)}` })),
  fc.uint8Array({ maxLength: 64 }).map((b) => ({ bytes: Buffer.from(b), expect: 'invalid' as const, what: 'random bytes' })),
  fc.constant({ bytes: Buffer.alloc(0), expect: 'invalid' as const, what: 'no value (a tombstone)', tombstone: true }),
  hugeLength.map((n) => ({ bytes: Buffer.alloc(n, 'z'), expect: 'invalid' as const, what: `${n} bytes of z` })),
);

/** Kafka keys: none, text, bytes that are not UTF-8, empty. */
export const kafkaKey: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 20 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
);
/** Kafka headers: names and values of any bytes (kcat takes text names). */
export const kafkaHeaders: fc.Arbitrary<Record<string, Buffer> | undefined> = fc.option(
  fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/), fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)), { maxKeys: 3 }),
  { nil: undefined },
);

/**
 * A transaction record: valid from the grammar, of a few accounts in a running stream, one
 * mutation of a valid one, or broken as bytes. About half are valid, a quarter of a running stream
 * (give a list of them to {@link inSequence} for their timestamps).
 */
export const transactionCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 3, arbitrary: accountStreamCase },
  { weight: 3, arbitrary: valid.map((d) => fuzzCase({ bytes: Buffer.from(jsonText(d.entries)), expect: d.expect, what: d.what, ...(d.amount && { amount: d.amount }) })) },
  { weight: 5, arbitrary: mutation.map((d) => fuzzCase({ bytes: Buffer.from(jsonText(d.entries)), expect: d.expect, what: d.what, ...(d.amount && { amount: d.amount }) })) },
  { weight: 2, arbitrary: byteLevel.map((b) => fuzzCase(b)) },
);

/** The same with a Kafka key and headers, as the CLI receives them. */
export const kafkaTransactionCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(transactionCase, kafkaKey, kafkaHeaders)
  .map(([c, key, headers]) => fuzzCase({ ...c, ...(key && { key }), ...(headers && { headers }) }));

/** Cases drawn from `seed`, the same list for the same seed: what a CLI run produces. */
export function sampleCases(arbitrary: fc.Arbitrary<FuzzCase>, seed: number, count: number): FuzzCase[] {
  return inSequence(fc.sample(arbitrary, { seed, numRuns: count }));
}
