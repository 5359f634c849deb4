/**
 * A row as a line of COPY's text format, holding exactly what the table's INSERT would store: the
 * same text for each value, so the same column input function reads it, and what the INSERT
 * refuses (a NUL, a lone surrogate sent inside JSON, a number out of range) is refused too.
 *
 * The format: columns separated by a tab, a line ended by a newline, `\N` for NULL; a backslash,
 * tab, newline or carriage return inside a value is written as `\\`, `\t`, `\n`, `\r`. Anything
 * else goes as it is, a NUL too: the server refuses it (22021), as it refuses it from the INSERT.
 *
 * ```
 * copyLine(['a\tb', 7, null, ['x', 'y,"z"']], ['text', 'int4', 'text', 'text[]'].map(jsonEncoder))
 *   → the line  a\tb⇥7⇥\N⇥{"x","y,\\"z\\""}⏎      (⇥ a tab, ⏎ a newline)
 * ```
 */

/** Encodes one value of a column into its field of a COPY line. */
export type CopyEncoder = (value: unknown) => string;

const NULL = '\\N';

/** A backslash, tab, newline, carriage return, or any half of a surrogate pair: the slow path. */
const SPECIAL = /[\\\t\n\r\ud800-\udfff]/;
const ESCAPES = /[\\\t\n\r]/g;
const LONE_SURROGATES = /\p{Cs}/gu;
const escapeOne = (c: string): string => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r');

/**
 * Text as a COPY field. `refuseLoneSurrogates`: inside JSON a lone surrogate is refused by the
 * server, so it is written as a byte no UTF-8 holds (`\xff`) and refused here too; outside JSON,
 * pg writes it as U+FFFD, which is what UTF-8 encoding of the line does.
 */
function field(text: string, refuseLoneSurrogates: boolean): string {
  if (!SPECIAL.test(text)) return text;
  const escaped = text.replace(ESCAPES, escapeOne);
  return refuseLoneSurrogates ? escaped.replace(LONE_SURROGATES, '\\xff') : escaped;
}

/** A value inside JSON as json_to_recordset reads it into a scalar column: its JSON text, a string unquoted. */
function jsonScalar(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null; // JSON has no NaN or Infinity: null
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? null;
}

const QUOTED = /[\\"]/;
const QUOTED_ALL = /[\\"]/g;

/** A JS array as a PostgreSQL array literal, each element quoted (commas, braces, spaces, `NULL` stay text). */
function arrayLiteral(items: readonly unknown[], element: (item: unknown) => string | null): string {
  let literal = '{';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) literal += ',';
    const text = element(items[i]);
    literal += text === null ? 'NULL' : `"${QUOTED.test(text) ? text.replace(QUOTED_ALL, '\\$&') : text}"`;
  }
  return `${literal}}`;
}

/**
 * A column's value as `json_to_recordset` receives it inside the INSERT's JSON (suspicious
 * transactions): `type` is the column's, e.g. `numeric`, `text[]`, `jsonb`.
 */
export function jsonEncoder(type: string): CopyEncoder {
  if (type === 'json' || type === 'jsonb') {
    // JSON.stringify writes a lone surrogate or a NUL as an escape that jsonb refuses, as it does in the INSERT
    return (value) => (value === null || value === undefined ? NULL : field(JSON.stringify(value), false));
  }
  if (type.endsWith('[]')) {
    return (value) => {
      if (value === null || value === undefined) return NULL;
      return field(Array.isArray(value) ? arrayLiteral(value, jsonScalar) : (jsonScalar(value) ?? ''), true);
    };
  }
  return (value) => {
    if (typeof value === 'string') return field(value, true);
    if (typeof value === 'number') return Number.isFinite(value) ? String(value) : NULL;
    const text = jsonScalar(value);
    return text === null ? NULL : field(text, true);
  };
}

/**
 * A column's value as pg sends one element of an array parameter (the unnest INSERT of dead
 * letters and sensor detections): bytes as bytea's hex, anything else its `toString()`.
 */
export function parameterEncoder(): CopyEncoder {
  return (value) => {
    if (value === null || value === undefined) return NULL;
    if (ArrayBuffer.isView(value)) return `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
    if (typeof value === 'object') return field(JSON.stringify(value), false);
    return field(String(value), false);
  };
}

/** One row's values as a line, each by its column's encoder. */
export function copyLine(values: readonly unknown[], encoders: readonly CopyEncoder[]): string {
  let line = encoders[0]!(values[0]);
  for (let i = 1; i < encoders.length; i++) line += `\t${encoders[i]!(values[i])}`;
  return `${line}\n`;
}

/** The same line from a row's column getters: no array of its values made per row. */
export function copyLineOf<T>(row: T, getters: readonly ((row: T) => unknown)[], encoders: readonly CopyEncoder[]): string {
  let line = encoders[0]!(getters[0]!(row));
  for (let i = 1; i < encoders.length; i++) line += `\t${encoders[i]!(getters[i]!(row))}`;
  return `${line}\n`;
}
