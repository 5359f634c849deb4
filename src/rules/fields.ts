/**
 * Reading a transaction's fields and filtering on them, for the rule language's compiler
 * (./compile.ts) and the stateful parts of its values (./valueNodes.ts).
 */
import type { Filter } from './schema.ts';

export type Getter = (tx: object) => unknown;

/** A meaning error in a rule: `compileRule` turns it into the rule's refusal. */
export class Refused extends Error {}
export const refuse = (reason: string): never => {
  throw new Refused(reason);
};

/** `location.country` → a function reading it from a transaction (undefined where absent). */
export function getter(path: string): Getter {
  const parts = path.split('.');
  if (parts.length === 1) {
    const [name] = parts as [string];
    return (tx) => (tx as Record<string, unknown>)[name];
  }
  return (tx) => {
    let value: unknown = tx;
    for (const part of parts) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return value;
  };
}

/** A finite number, or undefined. */
export const numeric = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A filter as a function of a transaction and the transaction being judged (for `{ current: field }`). */
export function compileFilter(filter: Filter, at: string): (tx: object, current: object) => boolean {
  const get = getter(filter.field);
  switch (filter.op) {
    case 'exists':
      return (tx) => get(tx) !== undefined && get(tx) !== null;
    case 'missing':
      return (tx) => get(tx) === undefined || get(tx) === null;
    case 'in':
    case 'notIn': {
      const set = new Set<unknown>(filter.value);
      return filter.op === 'in' ? (tx) => set.has(get(tx)) : (tx) => !set.has(get(tx));
    }
    default: {
      const operand = filter.value;
      const other: Getter = typeof operand === 'object' ? getter(operand.current) : () => operand;
      const test = comparisonOf(filter.op, at);
      // a field a transaction does not have is not equal to anything, and no more or less
      if (filter.op === '!=') return (tx, current) => test(get(tx), other(current));
      return (tx, current) => {
        const v = get(tx);
        return v !== undefined && test(v, other(current));
      };
    }
  }
}

export function comparisonOf(op: '==' | '!=' | '>' | '>=' | '<' | '<=', at: string): (a: unknown, b: unknown) => boolean {
  switch (op) {
    case '==':
      return (a, b) => a === b;
    case '!=':
      return (a, b) => a !== b;
    case '>':
      return (a, b) => (a as number) > (b as number);
    case '>=':
      return (a, b) => (a as number) >= (b as number);
    case '<':
      return (a, b) => (a as number) < (b as number);
    case '<=':
      return (a, b) => (a as number) <= (b as number);
  }
  return refuse(`${at}.op: unknown comparison ${op as string}`);
}
