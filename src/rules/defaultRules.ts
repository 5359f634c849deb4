/**
 * The default rule set, a file in the rule language (`rules/default.json` in the package): the
 * five rules vigie ran as code (amount per currency, balance drain, frequency, location as two
 * rules, travel and new-country, and the amount z-score), and the same set with the options of
 * the command line (`--amount-limit`, `--frequency-max`, ...) written into it.
 */
import { readFileSync } from 'node:fs';
import { formatDuration } from './measures.ts';
import { type Rule, checkRuleSet } from './schema.ts';

/** The rules by name, in the order they judge: `amount` alone is the prototype's rule set. */
export const RULE_NAMES = ['amount', 'drain', 'frequency', 'location', 'zscore'] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/** The numbers of the default rules the command line sets (see `judgeRules`'s options). */
export interface DefaultRuleNumbers {
  readonly amount?: { readonly limits?: Readonly<Record<string, number>> };
  readonly drain?: { readonly ratio?: number };
  readonly frequency?: { readonly max?: number; readonly windowMs?: number; readonly ttlMs?: number };
  readonly location?: { readonly maxSpeedKmh?: number; readonly minHistory?: number; readonly ttlMs?: number };
  readonly zScore?: { readonly window?: number; readonly threshold?: number; readonly minHistory?: number; readonly madFloor?: number; readonly ttlMs?: number };
}

/** Where the default rule set is: `rules/default.json` beside `src/` (and `dist/`). */
export const DEFAULT_RULES_FILE = new URL('../../rules/default.json', import.meta.url);

/** The rule ids each of the command line's rule names stands for. */
export const RULE_IDS: Readonly<Record<RuleName, readonly string[]>> = {
  amount: ['amount'],
  drain: ['drain'],
  frequency: ['frequency'],
  location: ['travel', 'new-country'],
  zscore: ['zscore'],
};

let cached: readonly Rule[] | undefined;

/** The rules of `rules/default.json`, checked. */
export function defaultRuleFile(): readonly Rule[] {
  if (cached !== undefined) return cached;
  const checked = checkRuleSet(readFileSync(DEFAULT_RULES_FILE, 'utf8'));
  if (!checked.ok) throw new Error(`${DEFAULT_RULES_FILE.pathname}: ${checked.reason}`);
  cached = checked.value.rules;
  return cached;
}

/** The default rule set with `options` (the rules on, each rule's numbers) written into it. */
export function defaultRuleSet(options: DefaultRuleNumbers, rules: readonly RuleName[]): Rule[] {
  const on = new Set(rules.flatMap((name) => RULE_IDS[name]));
  const ms = (value: number | undefined): string | undefined => (value === undefined ? undefined : formatDuration(value));
  return defaultRuleFile()
    .filter((rule) => on.has(rule.id))
    .map((rule): Rule => {
      switch (rule.id) {
        case 'amount':
          return options.amount?.limits === undefined ? rule : { ...rule, limit: { by: 'currency', limits: { ...options.amount.limits } } };
        case 'drain':
          return options.drain?.ratio === undefined ? rule : { ...rule, limit: options.drain.ratio };
        case 'frequency': {
          const { max, windowMs, ttlMs } = options.frequency ?? {};
          const window = ms(windowMs);
          const ttl = ms(ttlMs ?? (windowMs === undefined ? undefined : 2 * windowMs));
          return {
            ...rule,
            ...(max === undefined ? {} : { limit: max }),
            ...(window === undefined ? {} : { value: { aggregate: 'count', window } }),
            ...(ttl === undefined ? {} : { ttl }),
          };
        }
        case 'travel': {
          const { maxSpeedKmh, ttlMs } = options.location ?? {};
          return { ...rule, ...(maxSpeedKmh === undefined ? {} : { limit: maxSpeedKmh }), ...(ttlMs === undefined ? {} : { ttl: ms(ttlMs)! }) };
        }
        case 'new-country': {
          const { minHistory, ttlMs } = options.location ?? {};
          return {
            ...rule,
            ...(minHistory === undefined ? {} : { value: { isNew: { field: 'location.country', minHistory } } }),
            ...(ttlMs === undefined ? {} : { ttl: ms(ttlMs)! }),
          };
        }
        case 'zscore': {
          const { window, threshold, minHistory, madFloor, ttlMs } = options.zScore ?? {};
          const given = (rule.value as { zscore: { field: string; last: number; minHistory: number; madFloor?: number } }).zscore;
          return {
            ...rule,
            value: { zscore: { field: given.field, last: window ?? given.last, minHistory: minHistory ?? given.minHistory, madFloor: madFloor ?? given.madFloor ?? 0.05 } },
            ...(threshold === undefined ? {} : { limit: threshold }),
            ...(ttlMs === undefined ? {} : { ttl: ms(ttlMs)! }),
          };
        }
        default:
          return rule;
      }
    });
}
