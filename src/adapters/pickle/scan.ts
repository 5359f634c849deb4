/**
 * Reads a pickle log forward to find where the next batch goes, and whether the bytes after it
 * are the torn tail of an interrupted append (safe to drop) or someone else's data (not ours to
 * touch). It checks structure only, never decodes values, and reads in chunks, so opening a log
 * of any size costs one pass and little memory.
 *
 * A log is `PROTO` (2-5), `EMPTY_LIST`, then `MARK` items `APPENDS` (or one item `APPEND`) per
 * batch, then `STOP`. Besides vigie's own opcodes it accepts those Python's pickler puts in such a
 * list (FRAME, memo puts and gets, short strings and ints), so a log the prototype wrote with
 * `pickle.dump` can be continued. After the first STOP, only what vigie's append writes is
 * accepted: a prefix of `items APPENDS STOP`, ending at the end of the file.
 */
import type { FileHandle } from 'node:fs/promises';
import { OP } from './encode.ts';

/** What a scan found: a STOP, the end of the file, or bytes that are not a log. */
export type ScanEnd =
  | { readonly kind: 'stop'; readonly at: number; readonly records: number }
  | { readonly kind: 'eof' }
  | { readonly kind: 'bad'; readonly at: number; readonly reason: string };

/** Scans the list from the start of the file to its first STOP, reading `chunk` bytes at a time. */
export function scanList(file: FileHandle, size: number, chunk = CHUNK): Promise<ScanEnd> {
  return scan(file, size, 0, new Machine([], false), chunk);
}

/** Scans the bytes after the list's STOP at `stop`, as the tail of one append in progress. */
export function scanTail(file: FileHandle, size: number, stop: number, chunk = CHUNK): Promise<ScanEnd> {
  return scan(file, size, stop + 1, new Machine([LIST, MARK], true), chunk);
}

const CHUNK = 1 << 20;
/** The longest opcode with its fixed argument (FRAME, BINFLOAT): a smaller chunk could not progress. */
const LONGEST_HEADER = 9;

async function scan(file: FileHandle, size: number, start: number, machine: Machine, chunk: number): Promise<ScanEnd> {
  for (let at = start; at < size; ) {
    const buffer = Buffer.alloc(Math.min(Math.max(chunk, LONGEST_HEADER), size - at));
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, at + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled === 0) return { kind: 'eof' };
    // A file that shrank while being read ends where the read ended.
    const step = machine.run(buffer.subarray(0, filled), at, filled < buffer.length ? at + filled : size);
    if (step.kind !== 'more') return step;
    at = step.at;
  }
  return { kind: 'eof' };
}

const LIST = 0;
const MARK = 1;
const VALUE = 2;
type Kind = typeof LIST | typeof MARK | typeof VALUE;

/** Bytes of fixed argument after each opcode; an opcode not listed here is not a log's. */
const ARG = new Map<number, number>([
  [OP.PROTO, 1], [OP.FRAME, 8], [OP.STOP, 0], [OP.MARK, 0], [OP.EMPTY_LIST, 0], [OP.APPEND, 0],
  [OP.APPENDS, 0], [OP.EMPTY_TUPLE, 0], [OP.TUPLE, 0], [OP.TUPLE1, 0], [OP.TUPLE2, 0], [OP.TUPLE3, 0],
  [OP.BINUNICODE, 4], [OP.SHORT_BINUNICODE, 1], [OP.BINUNICODE8, 8], [OP.BINFLOAT, 8], [OP.BININT, 4],
  [OP.BININT1, 1], [OP.BININT2, 2], [OP.LONG1, 1], [OP.LONG4, 4], [OP.NONE, 0], [OP.NEWTRUE, 0],
  [OP.NEWFALSE, 0], [OP.BINPUT, 1], [OP.LONG_BINPUT, 4], [OP.MEMOIZE, 0], [OP.BINGET, 1], [OP.LONG_BINGET, 4],
]);

/** What vigie's own append writes: all that may follow the list's STOP. */
const OURS = new Set<number>([
  OP.MARK, OP.APPENDS, OP.STOP, OP.EMPTY_TUPLE, OP.TUPLE, OP.TUPLE1, OP.TUPLE2, OP.TUPLE3,
  OP.BINUNICODE, OP.BINFLOAT, OP.BININT, OP.LONG1, OP.LONG4, OP.NONE, OP.NEWTRUE, OP.NEWFALSE,
]);

const PUSHES = new Set<number>([
  OP.EMPTY_TUPLE, OP.BINUNICODE, OP.SHORT_BINUNICODE, OP.BINUNICODE8, OP.BINFLOAT, OP.BININT, OP.BININT1,
  OP.BININT2, OP.LONG1, OP.LONG4, OP.NONE, OP.NEWTRUE, OP.NEWFALSE, OP.BINGET, OP.LONG_BINGET,
]);

type Step = ScanEnd | { readonly kind: 'more'; readonly at: number };

/** The pickle machine's stack, reduced to what a log's structure needs: list, marks, values. */
class Machine {
  private records = 0;
  constructor(
    private readonly stack: Kind[],
    private readonly tail: boolean,
  ) {}

  /** Runs the opcodes of `buffer` (the file's bytes from `base`) until it needs more bytes. */
  run(buffer: Buffer, base: number, size: number): Step {
    const end = base + buffer.length;
    let p = base;
    while (p < end) {
      const op = buffer[p - base] as number;
      if (p === 0 && op !== OP.PROTO) return this.bad(p, 'not a pickle of protocol 2 or later');
      const arg = ARG.get(op);
      if (arg === undefined || (this.tail && !OURS.has(op))) return this.bad(p, `unexpected opcode 0x${op.toString(16)}`);
      if (p + 1 + arg > end) return end >= size ? { kind: 'eof' } : { kind: 'more', at: p };
      const length = payload(op, buffer, p + 1 - base);
      if (length < 0) return this.bad(p, 'a negative length');
      const next = p + 1 + arg + length;
      if (next > size) return { kind: 'eof' };
      const error = this.apply(op, p, buffer, p + 1 - base);
      if (error !== null) return this.bad(p, error);
      if (op === OP.STOP) return { kind: 'stop', at: p, records: this.records };
      p = next;
    }
    return end >= size ? { kind: 'eof' } : { kind: 'more', at: p };
  }

  private bad(at: number, reason: string): ScanEnd {
    return { kind: 'bad', at, reason: this.tail ? `${reason} after the list's STOP: not an interrupted vigie append` : reason };
  }

  /** Applies an opcode's effect on the stack; returns why it cannot be applied, or null. */
  private apply(op: number, p: number, buffer: Buffer, argAt: number): string | null {
    const stack = this.stack;
    if (p === 0) {
      const protocol = buffer[argAt] as number;
      return protocol >= 2 && protocol <= 5 ? null : `pickle protocol ${protocol}, not 2 to 5`;
    }
    if (op === OP.PROTO) return 'PROTO after the start';
    if (op === OP.FRAME) return null;
    if (stack.length === 0) {
      if (op !== OP.EMPTY_LIST) return 'the pickled object is not a list';
      stack.push(LIST);
      return null;
    }
    // In a tail, the batch's APPENDS leaves the bare list: only its STOP may follow.
    if (this.tail && stack.length === 1 && op !== OP.STOP) return 'more than one batch';
    if (PUSHES.has(op)) {
      stack.push(VALUE);
      return null;
    }
    switch (op) {
      case OP.MARK:
        stack.push(MARK);
        return null;
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3:
        for (let n = op - OP.TUPLE1 + 1; n > 0; n--) if (stack.pop() !== VALUE) return 'a tuple of too few items';
        stack.push(VALUE);
        return null;
      case OP.TUPLE:
        if (popToMark(stack) < 0) return 'TUPLE without MARK';
        stack.push(VALUE);
        return null;
      case OP.APPENDS: {
        const n = popToMark(stack);
        if (n < 0 || stack.length !== 1) return 'APPENDS outside the list';
        this.records += n;
        return null;
      }
      case OP.APPEND:
        if (stack.pop() !== VALUE || stack.length !== 1) return 'APPEND outside the list';
        this.records += 1;
        return null;
      case OP.STOP:
        return stack.length === 1 ? null : 'STOP inside the list';
      case OP.BINPUT:
      case OP.LONG_BINPUT:
      case OP.MEMOIZE:
        return stack[stack.length - 1] === MARK ? 'memo of a MARK' : null;
      default:
        return `unexpected opcode 0x${op.toString(16)}`; // EMPTY_LIST inside the list
    }
  }
}

/** Pops the values down to the last MARK and the MARK; returns how many values, or -1 without a MARK. */
function popToMark(stack: Kind[]): number {
  let n = 0;
  for (let top = stack.pop(); top !== MARK; top = stack.pop()) {
    if (top !== VALUE) return -1;
    n++;
  }
  return n;
}

/** Length of the variable part after an opcode's fixed argument (at `argAt` in `buffer`). */
function payload(op: number, buffer: Buffer, argAt: number): number {
  switch (op) {
    case OP.SHORT_BINUNICODE:
    case OP.LONG1:
      return buffer.readUInt8(argAt);
    case OP.BINUNICODE:
      return buffer.readUInt32LE(argAt);
    case OP.LONG4:
      return buffer.readInt32LE(argAt);
    case OP.BINUNICODE8:
      return Number(buffer.readBigUInt64LE(argAt));
    default:
      return 0;
  }
}
