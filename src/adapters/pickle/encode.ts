/**
 * The bytes of a pickle log: Python pickle opcodes (protocol 2) for the few value types vigie's
 * logs hold, written by hand so that a batch can be appended to an existing pickle without a
 * Python process and without reading back the file.
 *
 * Types are explicit because Python's are finer than JavaScript's: a JS `number` is an IEEE 754
 * double, so it is always pickled as a Python `float` (even `3`, which loads as `3.0`); a Python
 * `int` must be asked for with {@link pyInt}. That makes a reading's time in seconds a float
 * whether or not it happens to be integral, as the prototype's `time.time()` was.
 *
 * | JS value        | Python   | opcodes                                          |
 * |-----------------|----------|--------------------------------------------------|
 * | `string`        | `str`    | BINUNICODE: uint32 LE byte length + UTF-8        |
 * | `number`        | `float`  | BINFLOAT: 8-byte big-endian IEEE 754             |
 * | `pyInt(n)`      | `int`    | BININT (int32 LE) in int32 range, else LONG1/LONG4 |
 * | `boolean`       | `bool`   | NEWTRUE / NEWFALSE                               |
 * | `null`          | `None`   | NONE                                             |
 * | `PyValue[]`     | `tuple`  | items + TUPLE1/2/3, `()` EMPTY_TUPLE, else MARK items TUPLE |
 *
 * A string with a lone UTF-16 surrogate is written with U+FFFD in its place, as `Buffer.from` does.
 */

/** The opcodes vigie writes, and those of a list pickled by Python that it can read past. */
export const OP = {
  PROTO: 0x80,
  FRAME: 0x95,
  STOP: 0x2e,
  MARK: 0x28,
  EMPTY_LIST: 0x5d,
  APPEND: 0x61,
  APPENDS: 0x65,
  EMPTY_TUPLE: 0x29,
  TUPLE: 0x74,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  BINUNICODE: 0x58,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINFLOAT: 0x47,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  LONG1: 0x8a,
  LONG4: 0x8b,
  NONE: 0x4e,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  MEMOIZE: 0x94,
  BINGET: 0x68,
  LONG_BINGET: 0x6a,
} as const;

/** A Python `int`; build it with {@link pyInt}. */
export interface PyInt {
  readonly int: bigint;
}

/** One element of a logged tuple. A bare `number` is a Python `float`. */
export type PyValue = string | number | boolean | null | PyInt;

/** One logged record: a Python tuple. */
export type PyTuple = readonly PyValue[];

/** A Python `int`. Throws a RangeError for a number that is not a safe integer (it would be rounded). */
export function pyInt(n: number | bigint): PyInt {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new RangeError(`pyInt: ${n} is not a safe integer`);
  return Object.freeze({ int: BigInt(n) });
}

/** `PROTO 2`, `EMPTY_LIST`, `STOP`: a log with no records, which loads as `[]`. */
export const EMPTY_LOG: Buffer = Buffer.from([OP.PROTO, 2, OP.EMPTY_LIST, OP.STOP]);

/**
 * The bytes that follow a log's MARK for one batch: the tuples, `APPENDS`, and a new `STOP`.
 * Throws a TypeError for a value it cannot pickle, before anything is written.
 */
export function encodeBatch(tuples: readonly PyTuple[]): Buffer {
  const parts: Buffer[] = [];
  for (const tuple of tuples) encodeTuple(tuple, parts);
  parts.push(Buffer.from([OP.APPENDS, OP.STOP]));
  return Buffer.concat(parts);
}

const SMALL_TUPLES = [OP.EMPTY_TUPLE, OP.TUPLE1, OP.TUPLE2, OP.TUPLE3] as const;

function encodeTuple(tuple: PyTuple, parts: Buffer[]): void {
  if (!Array.isArray(tuple)) throw new TypeError(`pickle: a record must be an array (a Python tuple), got ${typeof tuple}`);
  const small = SMALL_TUPLES[tuple.length];
  if (small === undefined) parts.push(Buffer.from([OP.MARK]));
  for (const value of tuple) encodeValue(value as PyValue, parts);
  parts.push(Buffer.from([small ?? OP.TUPLE]));
}

function encodeValue(value: PyValue, parts: Buffer[]): void {
  if (value === null) parts.push(Buffer.from([OP.NONE]));
  else if (value === true) parts.push(Buffer.from([OP.NEWTRUE]));
  else if (value === false) parts.push(Buffer.from([OP.NEWFALSE]));
  else if (typeof value === 'number') {
    const b = Buffer.alloc(9);
    b[0] = OP.BINFLOAT;
    b.writeDoubleBE(value, 1);
    parts.push(b);
  } else if (typeof value === 'string') {
    const utf8 = Buffer.from(value, 'utf8');
    const b = Buffer.alloc(5);
    b[0] = OP.BINUNICODE;
    b.writeUInt32LE(utf8.length, 1);
    parts.push(b, utf8);
  } else if (typeof value === 'object' && typeof (value as Partial<PyInt>).int === 'bigint') {
    parts.push(encodeInt(value.int));
  } else {
    throw new TypeError(`pickle: cannot pickle ${String(value)} (${typeof value}); use a string, number, boolean, null or pyInt()`);
  }
}

function encodeInt(n: bigint): Buffer {
  if (n >= -0x80000000n && n <= 0x7fffffffn) {
    const b = Buffer.alloc(5);
    b[0] = OP.BININT;
    b.writeInt32LE(Number(n), 1);
    return b;
  }
  // Little-endian two's complement in as few bytes as keep the sign, as Python's encode_long.
  const bytes: number[] = [];
  for (let x = n; ; ) {
    const byte = Number(x & 0xffn);
    bytes.push(byte);
    x >>= 8n;
    if ((x === 0n && byte < 0x80) || (x === -1n && byte >= 0x80)) break;
  }
  if (bytes.length < 256) return Buffer.from([OP.LONG1, bytes.length, ...bytes]);
  const b = Buffer.alloc(5);
  b[0] = OP.LONG4;
  b.writeInt32LE(bytes.length, 1);
  return Buffer.concat([b, Buffer.from(bytes)]);
}
