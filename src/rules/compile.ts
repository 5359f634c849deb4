/**
 * A rule of the language (./schema.ts) turned into code: its filters, its key, the state its
 * value needs, and a pure `step` that judges one transaction against that state and gives the
 * state after it. The meaning is checked here (an aggregate other than count names a field, a
 * time window fits in the rule's TTL, ...), so that a rule refused says why before it runs.
 */
import { type Getter, Refused, compileFilter, comparisonOf, getter, numeric, refuse } from './fields.ts';
import { formatDuration } from './measures.ts';
import type { FiredRule, Transaction } from '../types.ts';
import { type Checked, type Filter, type Rule, type Value, parseDuration } from './schema.ts';
import { type Node, aggregateNode, isNewNode, speedNode, zScoreNode } from './valueNodes.ts';
import { fraudLabelsNode } from './labels.ts';

export { getter };

/** The longest a rule may keep its state without a transaction (a terminal's frauds of 28 days, known 7 days late, read over 35). */
export const MAX_TTL_MS = 40 * 86_400_000;

/** A rule's TTL when it names none, and how long the engine keeps an idle account (unless a rule of its stage keeps longer). */
export const DEFAULT_TTL_MS = 30 * 86_400_000;

type Scalar = string | number | boolean;

export interface CompiledRule {
  readonly id: string;
  readonly version: number;
  readonly rule: Rule;
  readonly enabled: boolean;
  /** Where its state is kept in an account's state: `id@version`. */
  readonly stateKey: string;
  /** A short hash of what shapes its state (key, value, filters): a new version with the same one keeps the state. */
  readonly signature: string;
  readonly stateful: boolean;
  readonly ttlMs: number;
  /** The first equality of its `when`, for the index of the rules in force (see ruleBook.ts). */
  readonly index?: { readonly field: string; readonly values: readonly Scalar[]; readonly get: Getter };
  /** The name its value is read under as a feature (see ./features.ts). */
  readonly feature?: string;
  /** It judges `tx` (its `when` passes). */
  applies(tx: Transaction): boolean;
  /**
   * Where its state is kept: `account` for a key that holds the account (the topic's key: the
   * state beside the account's), else the key's fields joined by `+` (`terminal`,
   * `terminal+channel`): a stage of its own, keyed by them (see `judgeByRules`).
   */
  readonly stage: string;
  /** The key of its stage for `tx` (the account, the terminal, ...), undefined when a field of it is missing. */
  stageKey(tx: Transaction): string | undefined;
  /** The sub-key of its state within its stage's key (`key` beyond the account), or '' for the key itself. */
  subKey(tx: Transaction): string | undefined;
  init(): unknown;
  /** Pure: the value for `tx` against `state` (undefined when it has none yet), the state after, and whether it fired. */
  step(state: unknown, tx: Transaction, time: number): { readonly state: unknown; readonly value: number | undefined; readonly fired: FiredRule | undefined };
}

interface CompiledValue {
  readonly nodes: Node[];
  /** The value from the nodes' values (by their index) and the transaction. */
  readonly evaluate: (values: readonly (number | undefined)[], tx: Transaction) => number | undefined;
  /** The first time window, for `{window}` in reasons. */
  readonly windowMs?: number;
  readonly longestWindowMs: number;
  /** It reads label events (`fraudLabels`): they step its state; other rules never see them. */
  readonly readsLabels?: boolean;
}

/** `rule` as code, or the reason its meaning is refused. */
export function compileRule(rule: Rule): Checked<CompiledRule> {
  try {
    return { ok: true, value: compile(rule) };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.message };
    throw error;
  }
}

function compile(rule: Rule): CompiledRule {
  const keys = rule.key === undefined ? ['account'] : Array.isArray(rule.key) ? rule.key : [rule.key];
  const byAccount = keys.includes('account');
  const stage = byAccount ? 'account' : keys.join('+');
  const stageKey = byAccount ? accountKey : joinedKey(keys.map(getter));
  const others = byAccount ? keys.filter((k) => k !== 'account').map(getter) : [];
  const value = compileValue(rule.value, 'value');
  const stateful = value.nodes.length > 0;
  const ttlMs = rule.ttl === undefined ? DEFAULT_TTL_MS : parseDuration(rule.ttl)!;
  if (ttlMs > MAX_TTL_MS) refuse(`ttl: at most ${formatDuration(MAX_TTL_MS)}`);
  if (ttlMs < value.longestWindowMs) refuse(`ttl: ${rule.ttl ?? `${formatDuration(ttlMs)} (the default)`} is shorter than the window (${formatDuration(value.longestWindowMs)}): the window would be cut`);
  const when = (rule.when ?? []).map((f, i) => compileFilter(f, `when.${i}`));
  const limitOf = rule.limit === undefined ? () => undefined : compileLimit(rule.limit);
  const compare = comparison(rule.compare ?? '>');
  const reasonOf = compileReason(rule.reason ?? rule.id, value.windowMs);
  const score = rule.score ?? 'ratio';
  const index = indexOf(rule.when ?? []);
  const stateKey = `${rule.id}@${rule.version}`;
  const signature = hash(JSON.stringify([keys, rule.value, rule.when ?? [], rule.ttl ?? null]));
  const { nodes, evaluate } = value;

  const judge = (v: number | undefined, tx: Transaction): FiredRule | undefined => {
    if (v === undefined) return undefined;
    const limit = limitOf(tx);
    if (limit === undefined || !compare(v, limit)) return undefined;
    const s = score === 'ratio' ? v / limit : score === 'value' ? v : score;
    return { id: rule.id, version: rule.version, value: v, limit, reason: reasonOf(tx, v, limit), score: s };
  };

  return {
    id: rule.id,
    version: rule.version,
    rule,
    enabled: rule.enabled ?? true,
    stateKey,
    signature,
    stateful,
    ttlMs,
    ...(index ? { index } : {}),
    ...(rule.feature ? { feature: rule.feature } : {}),
    // a label event steps only the rules that read labels, whatever their `when` (it has no such fields)
    applies: (tx) => (tx.label === undefined ? when.every((f) => f(tx, tx)) : value.readsLabels === true),
    stage,
    stageKey,
    subKey: others.length === 0 ? () => '' : joinedKey(others),
    init: () => nodes.map((n) => n.init()),
    step: (state, tx, time) => {
      if (nodes.length === 0) {
        const v = evaluate([], tx);
        return { state, value: v, fired: judge(v, tx) };
      }
      const states = state as readonly unknown[];
      const next = new Array<unknown>(nodes.length);
      const values = new Array<number | undefined>(nodes.length);
      for (let i = 0; i < nodes.length; i++) {
        const stepped = nodes[i]!.step(states[i], tx, time);
        next[i] = stepped.state;
        values[i] = stepped.value;
      }
      const v = evaluate(values, tx);
      return { state: next, value: v, fired: judge(v, tx) };
    },
  };
}

/** The account's key, as the rules have always kept it: the account, or the client id without one. */
export const accountKey = (tx: Transaction): string => tx.account ?? String(tx.id);

/** The key of a stage (`terminal`, `terminal+channel`) for a transaction: its fields' values joined, undefined when one is missing. */
export function stageKeyOf(stage: string): (tx: Transaction) => string | undefined {
  return stage === 'account' ? accountKey : joinedKey(stage.split('+').map(getter));
}

/** The values of `fields` joined, undefined when one is missing. */
function joinedKey(fields: readonly Getter[]): (tx: Transaction) => string | undefined {
  return (tx) => {
    let key = '';
    for (let i = 0; i < fields.length; i++) {
      const part = fields[i]!(tx);
      if (part === undefined || part === null) return undefined;
      key += i === 0 ? String(part) : `\u001f${String(part)}`;
    }
    return key;
  };
}

/** The first equality of `when` with constants (`==` or `in`): what the rules in force are indexed by. */
function indexOf(when: readonly Filter[]): CompiledRule['index'] {
  for (const f of when) {
    if (f.op === 'in') return { field: f.field, values: f.value, get: getter(f.field) };
    if (f.op === '==' && typeof f.value !== 'object') return { field: f.field, values: [f.value], get: getter(f.field) };
  }
  return undefined;
}

function compileValue(value: Value, at: string): CompiledValue {
  if ('field' in value && Object.keys(value).length === 1) {
    const get = getter((value as { field: string }).field);
    return { nodes: [], evaluate: (_v, tx) => numeric(get(tx)), longestWindowMs: 0 };
  }
  if ('ratio' in value) {
    const [a, b] = [compileValue(value.ratio[0], `${at}.ratio.0`), compileValue(value.ratio[1], `${at}.ratio.1`)];
    const offset = a.nodes.length;
    return {
      nodes: [...a.nodes, ...b.nodes],
      evaluate: (values, tx) => {
        const x = a.evaluate(values.slice(0, offset), tx);
        const y = b.evaluate(values.slice(offset), tx);
        return x === undefined || y === undefined || y === 0 ? undefined : x / y;
      },
      ...(a.windowMs !== undefined ? { windowMs: a.windowMs } : b.windowMs !== undefined ? { windowMs: b.windowMs } : {}),
      longestWindowMs: Math.max(a.longestWindowMs, b.longestWindowMs),
      ...(a.readsLabels === true || b.readsLabels === true ? { readsLabels: true } : {}),
    };
  }
  const single = (node: Node, windowMs?: number): CompiledValue => ({
    nodes: [node],
    evaluate: (values) => values[0],
    ...(windowMs !== undefined ? { windowMs } : {}),
    longestWindowMs: windowMs ?? 0,
  });
  if ('aggregate' in value) {
    if (value.aggregate !== 'count' && value.field === undefined) refuse(`${at}.field: ${value.aggregate} needs a field to aggregate`);
    const windowMs = typeof value.window === 'string' ? parseDuration(value.window)! : undefined;
    if (value.delay !== undefined && windowMs === undefined) refuse(`${at}.delay: only a time window can be delayed, not the last N`);
    const delayMs = value.delay === undefined ? 0 : parseDuration(value.delay)!;
    return { ...single(aggregateNode(value, at), windowMs), longestWindowMs: (windowMs ?? 0) + delayMs };
  }
  if ('zscore' in value) {
    const { field, last, minHistory, madFloor = 0.05 } = value.zscore;
    if (minHistory > last) refuse(`${at}.zscore.minHistory: ${minHistory} is above last (${last})`);
    return single(zScoreNode(getter(field), last, minHistory, madFloor));
  }
  if ('speedKmh' in value) return single(speedNode());
  if ('fraudLabels' in value) {
    const { aggregate, window, delay } = value.fraudLabels;
    const windowMs = parseDuration(window)!;
    const delayMs = delay === undefined ? 0 : parseDuration(delay)!;
    return { ...single(fraudLabelsNode(aggregate, windowMs, delayMs), windowMs), longestWindowMs: windowMs + delayMs, readsLabels: true };
  }
  if ('isNew' in value) return single(isNewNode(getter(value.isNew.field), value.isNew.minHistory));
  return refuse(`${at}: not a value`);
}

function comparison(op: '>' | '>=' | '<' | '<='): (v: number, limit: number) => boolean {
  return comparisonOf(op, 'compare') as (v: number, limit: number) => boolean;
}

function compileLimit(limit: NonNullable<Rule['limit']>): (tx: Transaction) => number | undefined {
  if (typeof limit === 'number') return () => limit;
  const get = getter(limit.by);
  const limits = new Map(Object.entries(limit.limits));
  return (tx) => limits.get(String(get(tx)));
}

/** `amount>{limit}{currency}` → a function filling it in for a transaction. */
function compileReason(template: string, windowMs: number | undefined): (tx: Transaction, value: number, limit: number) => string {
  const parts = template.split(/(\{[^{}]+\})/).filter((p) => p !== '');
  const fillers = parts.map((part): ((tx: Transaction, value: number, limit: number) => string) => {
    if (!(part.startsWith('{') && part.endsWith('}'))) return () => part;
    const name = part.slice(1, -1);
    if (name === 'limit') return (_tx, _v, limit) => String(limit);
    if (name === 'limit%') return (_tx, _v, limit) => `${Math.round(limit * 10_000) / 100}%`;
    if (name === 'value') return (_tx, value) => String(Math.round(value * 1000) / 1000);
    if (name === 'window') {
      if (windowMs === undefined) refuse(`reason: {window} but the value has no time window`);
      const text = formatDuration(windowMs!);
      return () => text;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(name)) refuse(`reason: {${name}} is not a field, {limit}, {limit%}, {value} or {window}`);
    const get = getter(name);
    return (tx) => String(get(tx) ?? '');
  });
  if (fillers.length === 1 && !template.includes('{')) return () => template;
  return (tx, value, limit) => {
    let text = '';
    for (const fill of fillers) text += fill(tx, value, limit);
    return text;
  };
}

/** FNV-1a, 32 bits, in hex: a short name for a rule's state shape. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

