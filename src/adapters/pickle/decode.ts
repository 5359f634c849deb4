/**
 * Reads back a pickle log: the list of tuples that vigie's encoder (encode.ts) appends, or that
 * the prototype's Python scripts wrote with `pickle.dump`. `vigie plot` needs it to draw the
 * reference readings, which only the pickle log holds, without a Python process.
 *
 * Only the opcodes those two writers use are read; anything else (a class, a dict, a bytes
 * object) fails with `PICKLE_CORRUPT` and its offset rather than being guessed at. Python's
 * framing and memo opcodes (FRAME, MEMOIZE, BINPUT, BINGET, ...) are followed, so a log written
 * by protocol 2 to 5 loads. Like `pickle.load`, reading stops at the first STOP: the bytes after
 * it are a torn append that never completed (see pickleLog.ts).
 *
 * Ints come back as {@link PyInt}, floats as numbers, so a round trip through the encoder is
 * exact: `decodePickleList(EMPTY_LOG with batch) ≡ tuples`.
 */
import { VigieError } from '../../errors.ts';
import { OP, type PyInt, type PyTuple, type PyValue, pyInt } from './encode.ts';

export interface DecodeOptions {
  /** Called after each item is added to the list, with the list's length; for progress reports. */
  readonly onItem?: (count: number) => void;
  /** Named in errors. */
  readonly file?: string;
}

type Item = PyValue | readonly Item[];
const MARK = Symbol('mark');

/** Decodes a pickled list of tuples. Throws `PICKLE_CORRUPT` for anything else, or a file cut before its STOP. */
export function decodePickleList(bytes: Uint8Array, options: DecodeOptions = {}): PyTuple[] {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: (Item | typeof MARK)[] = [];
  const memo = new Map<number, Item>();
  let pos = 0;
  let at = 0;
  const bad = (reason: string): VigieError =>
    new VigieError('PICKLE_CORRUPT', `cannot read the pickle: ${reason}`, { where: { ...(options.file ? { file: options.file } : {}), offset: at } });
  const need = (n: number): number => {
    if (pos + n > buf.length) throw bad('the file ends inside an opcode (truncated?)');
    const start = pos;
    pos += n;
    return start;
  };
  const popMark = (): Item[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw bad('no MARK on the stack');
    const items = stack.splice(i) as Item[];
    items.shift();
    return items;
  };
  const pop = (): Item => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw bad('stack underflow');
    return v;
  };
  const appendTo = (items: Item[]): void => {
    const list = stack[stack.length - 1];
    if (!Array.isArray(list) || Object.isFrozen(list)) throw bad('APPEND(S) to something that is not a list');
    for (const item of items) {
      (list as Item[]).push(item);
      options.onItem?.(list.length);
    }
  };
  const str = (n: number): string => {
    const s = need(n);
    return buf.toString('utf8', s, s + n);
  };
  const memoize = (key: number): void => {
    const top = stack[stack.length - 1];
    if (top === undefined || top === MARK) throw bad('memoizing an empty stack');
    memo.set(key, top);
  };
  const get = (key: number): void => {
    const v = memo.get(key);
    if (v === undefined) throw bad(`memo ${key} not set`);
    stack.push(v);
  };

  for (;;) {
    at = pos;
    const op = buf[need(1)];
    switch (op) {
      case OP.PROTO: need(1); break;
      case OP.FRAME: need(8); break; // frames only group opcodes; the bytes are read in place
      case OP.STOP: {
        const result = pop();
        if (!Array.isArray(result) || Object.isFrozen(result)) throw bad('the pickle is not a list');
        for (const item of result) if (!Array.isArray(item)) throw bad('a list item is not a tuple');
        return result as PyTuple[];
      }
      case OP.MARK: stack.push(MARK); break;
      case OP.EMPTY_LIST: stack.push([]); break;
      case OP.APPEND: appendTo([pop()]); break;
      case OP.APPENDS: { const items = popMark(); appendTo(items); break; }
      case OP.EMPTY_TUPLE: stack.push(Object.freeze([])); break;
      case OP.TUPLE: stack.push(Object.freeze(popMark())); break;
      case OP.TUPLE1: case OP.TUPLE2: case OP.TUPLE3: {
        const n = op - OP.TUPLE1 + 1;
        if (stack.length < n || stack.slice(-n).includes(MARK)) throw bad('stack underflow');
        stack.push(Object.freeze(stack.splice(-n) as Item[]));
        break;
      }
      case OP.BINUNICODE: { const n = buf.readUInt32LE(need(4)); stack.push(str(n)); break; }
      case OP.SHORT_BINUNICODE: { const n = buf[need(1)]!; stack.push(str(n)); break; }
      case OP.BINUNICODE8: {
        const n = buf.readBigUInt64LE(need(8));
        if (n > BigInt(buf.length)) throw bad('string longer than the file');
        stack.push(str(Number(n)));
        break;
      }
      case OP.BINFLOAT: stack.push(buf.readDoubleBE(need(8))); break;
      case OP.BININT: stack.push(pyInt(buf.readInt32LE(need(4)))); break;
      case OP.BININT1: stack.push(pyInt(buf[need(1)]!)); break;
      case OP.BININT2: stack.push(pyInt(buf.readUInt16LE(need(2)))); break;
      case OP.LONG1: { const n = buf[need(1)]!; stack.push(long(buf, need(n), n)); break; }
      case OP.LONG4: {
        const n = buf.readInt32LE(need(4));
        if (n < 0) throw bad('negative LONG4 length');
        stack.push(long(buf, need(n), n));
        break;
      }
      case OP.NONE: stack.push(null); break;
      case OP.NEWTRUE: stack.push(true); break;
      case OP.NEWFALSE: stack.push(false); break;
      case OP.MEMOIZE: memoize(memo.size); break;
      case OP.BINPUT: memoize(buf[need(1)]!); break;
      case OP.LONG_BINPUT: memoize(buf.readUInt32LE(need(4))); break;
      case OP.BINGET: get(buf[need(1)]!); break;
      case OP.LONG_BINGET: get(buf.readUInt32LE(need(4))); break;
      default: throw bad(`opcode 0x${op!.toString(16).padStart(2, '0')} is not one vigie's logs use`);
    }
  }
}

/** Little-endian two's complement, as Python's decode_long. */
function long(buf: Buffer, start: number, n: number): PyInt {
  let x = 0n;
  for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(buf[start + i]!);
  if (n > 0 && buf[start + n - 1]! >= 0x80) x -= 1n << BigInt(8 * n);
  return pyInt(x);
}
