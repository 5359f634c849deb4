/**
 * Raw JSON texts of field values at the edges, each with what the issue implies must become of a
 * transaction holding it: ids are PostgreSQL int4, amounts and balances numeric(18, 2), an amount
 * is not negative, text holds no NUL and no lone surrogate; and lengths for huge values.
 */
import fc from 'fast-check';
import type { Expect } from './fuzzCase.ts';

/** Long strings, now and then up to 1 MB (Kafka's default largest message is about 1 MiB). */
export const hugeLength = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 200, max: 5_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 1_000_000 }) });

export const INT4_EDGES: Record<string, Expect> = {
  '0': 'valid', '-0': 'valid', '2147483647': 'valid', '-2147483648': 'valid', '2147483647.0': 'valid', '1e3': 'valid', '12340e-1': 'valid',
  '2147483648': 'invalid', '-2147483649': 'invalid', '4294967296': 'invalid', '9007199254740991': 'invalid', '9007199254740992': 'invalid',
  '9007199254740993': 'invalid', '-9007199254740993': 'invalid', '9223372036854775807': 'invalid', '-9223372036854775808': 'invalid',
  '1e10': 'invalid', '1e308': 'invalid', '1e400': 'invalid', '0.5': 'invalid', '1234.5': 'invalid', '5e-324': 'invalid',
  NaN: 'invalid', Infinity: 'invalid', '-Infinity': 'invalid', '"1234"': 'invalid', '"NaN"': 'invalid', '0x10': 'invalid', '+1': 'invalid', '01': 'invalid',
  true: 'invalid', null: 'invalid', '[]': 'invalid', '{}': 'invalid', '""': 'invalid',
};
export const MONEY_EDGES: Record<string, Expect> = {
  '0': 'valid', '-0': 'valid', '10000': 'valid', '10000.01': 'valid', '1e5': 'valid', '1E5': 'valid', '1E+5': 'valid', '100000.00': 'valid',
  '0.1': 'valid', '0.10': 'valid', '12.34': 'valid', '1.5e3': 'valid', '9999999999999998': 'valid', '9007199254740991': 'valid',
  '1e-7': 'invalid', '0.001': 'invalid', '12.345': 'invalid', '1e16': 'invalid', '9999999999999999': 'invalid', '1e308': 'invalid',
  '1e309': 'invalid', '1.7976931348623157e308': 'invalid', '5e-324': 'invalid', NaN: 'invalid', Infinity: 'invalid', '-Infinity': 'invalid',
  '"NaN"': 'invalid', '"Infinity"': 'invalid', '"100"': 'invalid', '0x10': 'invalid', '.5': 'invalid', '+1': 'invalid', '01': 'invalid',
  '1.': 'invalid', '-': 'invalid', '1e': 'invalid', true: 'invalid', null: 'invalid', '[]': 'invalid',
};
export const NEGATIVE_MONEY: Record<string, Expect> = { '-1': 'invalid', '-0.01': 'invalid', '-1e5': 'invalid' };
export const LOCATION_EDGES: Record<string, Expect> = {
  '{"lat":90,"lon":180}': 'valid', '{"lat":-90,"lon":-180}': 'valid', '{"country":"CM"}': 'valid', '{"lat":0,"lon":0,"country":"FR"}': 'valid',
  '{"lat":90.0001,"lon":0}': 'invalid', '{"lat":0,"lon":-180.5}': 'invalid', '{"lat":0}': 'invalid', '{"lon":0}': 'invalid', '{}': 'invalid',
  '{"country":"cm"}': 'invalid', '{"country":"CMR"}': 'invalid', '{"lat":"1","lon":2}': 'invalid', '{"lat":1e308,"lon":0}': 'invalid',
  '{"lat":NaN,"lon":0}': 'invalid', '[]': 'invalid', '"CM"': 'invalid', null: 'invalid',
};
/** Text fields: what breaks them whatever their length limit. */
export const TEXT_EDGES: Record<string, Expect> = {
  '""': 'invalid', '"a\\u0000b"': 'invalid', '"\\u0000"': 'invalid', '"\\ud800"': 'invalid', '"x\\udc00"': 'invalid', '"\\udfff\\ud800"': 'invalid',
  '"\\ud83d\\ude00"': 'valid', '"\\u00e9t\\u00e9"': 'valid', '"\\uFEFF"': 'valid', '"\\uffff"': 'valid', '"\\ufffe"': 'valid',
  '"a\u0001b"': 'invalid', '"tab\there"': 'invalid', '"a\\tb"': 'valid', '"a\\\\"': 'valid', '"\\x41"': 'invalid', '"\\u12"': 'invalid',
  '12': 'invalid', 'true': 'invalid', null: 'invalid', '["a"]': 'invalid', '{"a":1}': 'invalid',
};
export const CURRENCY_EDGES: Record<string, Expect> = {
  '"xaf"': 'invalid', '""': 'invalid', '"XAF "': 'invalid', '" XAF"': 'invalid', '"ZZZ"': 'invalid', '"XA"': 'invalid', '"XAFF"': 'invalid',
  '"X\\u0000F"': 'invalid', '"\\ud800AF"': 'invalid', '950': 'invalid', null: 'invalid', '"\\u0058AF"': 'valid',
};
