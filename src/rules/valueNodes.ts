/**
 * The stateful parts of a rule's value (./compile.ts): an aggregate over the key's window, a
 * robust z-score, the speed from the previous place, a value new to the key. Each is a pure step
 * from its state and a transaction to its value and the state after it.
 */
import { type Getter, compileFilter, getter, numeric } from './fields.ts';
import { robustZ, speedKmh } from './measures.ts';
import { type Filter, type Value, parseDuration } from './schema.ts';
import type { Transaction } from '../types.ts';

/** A stateful part of a value: its state, and its value at a transaction. */
export interface Node {
  init(): unknown;
  step(state: unknown, tx: Transaction, time: number): { state: unknown; value: number | undefined };
}

/**
 * The key's entries in a window: a view `[from, to)` of an array that later states of the same
 * history share (as the frequency rule's times): appended in place when the state is the newest
 * view, copied otherwise (a revision replaying from an older state), so every state handed out
 * stays as it was and the in-order path costs O(1) a transaction. Written (JSON) as a plain array.
 */
class Entries {
  constructor(
    readonly items: unknown[][],
    readonly from: number,
    readonly to: number,
  ) {}

  static of(state: Entries | readonly unknown[][]): Entries {
    return state instanceof Entries ? state : new Entries([...state], 0, state.length);
  }

  at(i: number): unknown[] {
    return this.items[this.from + i]!;
  }

  get length(): number {
    return this.to - this.from;
  }

  /** Without the entries before `first` (by position from the view's start), then with `entry`. */
  next(drop: number, entry: unknown[] | undefined): Entries {
    let { items, from, to } = this;
    from += drop;
    if (entry === undefined) return new Entries(items, from, to);
    if (to !== items.length || to - from < 8) {
      // a copy of the exact size: a push would give a short window (most keys' windows) room for 16 more
      const copy = new Array<unknown[]>(to - from + 1);
      for (let i = from; i < to; i++) copy[i - from] = items[i]!;
      copy[to - from] = entry;
      return new Entries(copy, 0, to - from + 1);
    }
    if (from > 64 && from * 2 > items.length) [items, from, to] = [items.slice(from), 0, to - from];
    items.push(entry);
    return new Entries(items, from, to + 1);
  }

  toJSON(): unknown[][] {
    return this.items.slice(this.from, this.to);
  }
}

export function aggregateNode(value: Extract<Value, { aggregate: string }>, at: string): Node {
  const fields = [...new Set([...(value.field ? [value.field] : []), ...(value.where ?? []).map((f) => f.field)])];
  const getters = fields.map(getter);
  const fieldAt = value.field === undefined ? -1 : fields.indexOf(value.field);
  // `where` reads an entry's stored fields: an entry is [time, ...fields]
  const where = (value.where ?? []).map((f, i) => {
    const j = fields.indexOf(f.field) + 1;
    const test = compileFilter({ ...f, field: 'v' } as Filter, `${at}.where.${i}`);
    return (entry: unknown[], current: object) => test({ v: entry[j] }, current);
  });
  const delayMs = value.delay === undefined ? 0 : parseDuration(value.delay)!;
  // a delayed window ends before this transaction: it is never in it
  const include = value.current !== 'exclude' && delayMs === 0;
  const windowMs = typeof value.window === 'string' ? parseDuration(value.window)! + delayMs : undefined;
  const last = typeof value.window === 'string' ? undefined : value.window.last;
  const fn = value.aggregate;
  const entryOf = (tx: Transaction, time: number): unknown[] => [time, ...getters.map((g) => g(tx))];

  return {
    init: () => [],
    step: (state, tx, time) => {
      const entries = Entries.of(state as Entries | unknown[][]);
      let drop = 0;
      if (windowMs !== undefined) while (drop < entries.length && (entries.at(drop)[0] as number) < time - windowMs) drop++;
      const entry = entryOf(tx, time);
      // the window the value reads: the kept entries (the last `last` with this one), and this one
      const keep = last === undefined ? entries.length - drop : Math.min(entries.length - drop, include ? last - 1 : last);
      const start = entries.length - keep;
      let count = 0;
      let sum = 0;
      let max = Number.NEGATIVE_INFINITY;
      let min = Number.POSITIVE_INFINITY;
      const distinct = fn === 'distinct' ? new Set<unknown>() : undefined;
      const take = (e: unknown[]): void => {
        for (const test of where) if (!test(e, tx)) return;
        if (fieldAt < 0) {
          count++;
          return;
        }
        const v = e[fieldAt + 1];
        if (distinct) {
          if (v !== undefined && v !== null) {
            distinct.add(v);
            count++;
          }
          return;
        }
        if (typeof v !== 'number' || !Number.isFinite(v)) return;
        count++;
        sum += v;
        if (v > max) max = v;
        if (v < min) min = v;
      };
      for (let i = start; i < entries.length; i++) {
        const e = entries.at(i);
        if (delayMs > 0 && (e[0] as number) > time - delayMs) break; // entries are in event-time order
        take(e);
      }
      if (include) take(entry);
      const result =
        fn === 'count' ? count : fn === 'sum' ? sum : fn === 'distinct' ? distinct!.size : count === 0 ? undefined : fn === 'mean' ? sum / count : fn === 'max' ? max : min;
      // kept for the next: the window's entries, the last `last` at most
      const next = entries.next(last === undefined ? drop : Math.max(0, entries.length + 1 - last), entry);
      return { state: next, value: result };
    },
  };
}

export function zScoreNode(get: Getter, last: number, minHistory: number, madFloor: number): Node {
  return {
    init: () => [],
    step: (state, tx) => {
      const history = state as number[];
      const x = numeric(get(tx));
      if (x === undefined) return { state, value: undefined };
      const value = history.length >= minHistory ? robustZ(x, history, madFloor) : undefined;
      const next = history.length >= last ? [...history.slice(history.length - last + 1), x] : [...history, x];
      return { state: next, value };
    },
  };
}

export function speedNode(): Node {
  return {
    init: () => null,
    step: (state, tx, time) => {
      const lat = numeric(tx.location?.lat);
      const lon = numeric(tx.location?.lon);
      if (lat === undefined || lon === undefined) return { state, value: undefined };
      const before = state as { lat: number; lon: number; time: number } | null;
      const value = before === null ? undefined : speedKmh(before, { lat, lon }, time - before.time);
      return { state: { lat, lon, time }, value };
    },
  };
}

export function isNewNode(get: Getter, minHistory: number): Node {
  return {
    init: () => ({ seen: [], n: 0 }),
    step: (state, tx) => {
      const v = get(tx);
      if (v === undefined || v === null) return { state, value: undefined };
      const { seen, n } = state as { seen: unknown[]; n: number };
      const known = seen.includes(v);
      return { state: { seen: known ? seen : [...seen, v], n: n + 1 }, value: n >= minHistory && !known ? 1 : 0 };
    },
  };
}
