/**
 * COPY's text format, value by value, without a server: the doc comment's example, and where the
 * two ways the INSERTs send values part (the property test holds both to a real PostgreSQL).
 */
import { describe, expect, it } from 'vitest';
import { copyLine, jsonEncoder, parameterEncoder } from '../../../src/adapters/postgres/copyText.ts';

describe('copyLine', () => {
  it('writes the doc comment\'s example', () => {
    const line = copyLine(['a\tb', 7, null, ['x', 'y,"z"']], ['text', 'int4', 'text', 'text[]'].map(jsonEncoder));
    expect(line).toBe('a\\tb\t7\t\\N\t{"x","y,\\\\"z\\\\""}\n');
  });

  it('escapes backslash, tab, newline and carriage return, and nothing else', () => {
    expect(jsonEncoder('text')('\\ \t \n \r , { } " \u0001')).toBe('\\\\ \\t \\n \\r , { } " \u0001');
  });

  it('inside JSON: a number that is not finite is NULL, a lone surrogate a byte no UTF-8 holds', () => {
    const number = jsonEncoder('float8');
    expect([NaN, Infinity, -0, 1e21, 5e-324].map(number)).toEqual(['\\N', '\\N', '0', '1e+21', '5e-324']);
    expect(jsonEncoder('text')('a\ud800b')).toBe('a\\xffb');
    expect(jsonEncoder('text[]')(['NULL', null, '', '\\'])).toBe('{"NULL",NULL,"","\\\\\\\\"}');
    expect(jsonEncoder('jsonb')({ a: 'x\ty\u0000' })).toBe('{"a":"x\\\\ty\\\\u0000"}');
  });

  it('as array parameters: a number is its toString, bytes are bytea hex, a lone surrogate stays for UTF-8 to replace', () => {
    const parameter = parameterEncoder();
    expect([NaN, 1e21, undefined].map(parameter)).toEqual(['NaN', '1e+21', '\\N']);
    expect(parameter(new Uint8Array([0, 0xff, 0x5c]))).toBe('\\\\x00ff5c');
    expect(Buffer.from(parameter('a\ud800b'), 'utf8').toString('hex')).toBe('61efbfbd62');
  });
});
