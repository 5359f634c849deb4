import { type OperatorFunction, pipe } from 'rxjs';
import type { SuspiciousTransaction, TransactionRecord } from '../../types.ts';
import { RULE_NAMES, type RuleName, defaultRuleSet } from '../../rules/defaultRules.ts';
import { RuleBook } from '../../rules/ruleBook.ts';
import { type AmountAboveOptions, amountAbove } from './amountAbove.ts';
import { type AmountZScoreOptions, amountZScoreRule } from './amountZScore.ts';
import { type BalanceDrainOptions, balanceDrain } from './balanceDrain.ts';
import type { DecideOnArrivalOptions, RulesStore } from './decideOnArrival.ts';
import { type FrequencyOptions, frequencyRule } from './frequency.ts';
import { judgeByRules } from './judgeByRules.ts';
import { judgeStateless } from './judgeStateless.ts';
import { type Judged, judge } from './judged.ts';
import { type LocationOptions, locationRule } from './location.ts';
import { suspiciousOnly } from './suspiciousOnly.ts';

export { RULE_NAMES, type RuleName };

export interface DefaultRulesOptions {
  /** Which rules run; all of {@link RULE_NAMES} by default. */
  readonly rules?: readonly RuleName[];
  readonly amount?: AmountAboveOptions;
  readonly drain?: BalanceDrainOptions;
  readonly frequency?: FrequencyOptions;
  readonly location?: LocationOptions;
  readonly zScore?: AmountZScoreOptions;
  /** How late (event time, behind its partition's newest) a record may arrive and take its place; 30 s by default. */
  readonly allowedLatenessMs?: number;
  /** Where the stateful rules keep their state; give one to checkpoint it (src/state/). */
  readonly store?: RulesStore;
  /** Told of each partition's watermark when it moves. */
  readonly onWatermark?: DecideOnArrivalOptions['onWatermark'];
  /** Told of rules whose restored state differs from the rules running now (see `decideOnArrival`). */
  readonly onRestored?: DecideOnArrivalOptions['onRestored'];
  /** Each judgement carries `fired` (rule ids, versions, values, limits); off by default. */
  readonly explain?: boolean;
  /**
   * The rule book to judge by, built by {@link defaultRuleBook} from these options when not given:
   * give it to read the rules in force elsewhere too (the dashboard's Rules panel).
   */
  readonly book?: RuleBook;
}

/**
 * The rules as a bank would run them, in one pipe: amount, balance drain, frequency, location and
 * amount z-score, keeping the records that at least one flagged, and the revisions.
 *
 * Every transaction is decided on arrival (see `decideOnArrival`); one that arrives out of order
 * may revise earlier decisions of its account, and a revision that clears a transaction comes out
 * too (with no reasons), so that whoever acted on the first decision learns of it.
 *
 * ```
 * source:  -a-b-c-d-|
 *          defaultRules()
 * output:  ---B-C---|     (b over the amount limit, c drains its balance)
 * ```
 *
 * @example
 * records$.pipe(defaultRules({ frequency: { max: 10 }, allowedLatenessMs: 60_000 }))
 *
 * @param options each rule's options, the allowed lateness, the state store.
 * @return An Observable of the suspicious transactions and the revisions, as they are decided.
 */
export function defaultRules(options: DefaultRulesOptions = {}): OperatorFunction<TransactionRecord, SuspiciousTransaction> {
  return pipe(judgeRules(options), suspiciousOnly());
}

/**
 * The same rules, but every record comes out with its judgement (reasons empty when none fired),
 * revisions included: what a flow needs to acknowledge the records that are not suspicious, and
 * an evaluation to count the true negatives. The rules are the default rule set, a file in the
 * rule language (`rules/default.json`, see src/rules/), with `options` written into it, run by
 * {@link judgeByRules}.
 */
export function judgeRules(options: DefaultRulesOptions = {}): OperatorFunction<TransactionRecord, Judged> {
  const { allowedLatenessMs = 30_000, store, onWatermark, onRestored } = options;
  const book = options.book ?? defaultRuleBook(options);
  const explain = options.explain ?? false;
  const stateful = book.inForceAt(Number.POSITIVE_INFINITY).rules.filter((rule) => rule.stateful);
  // with no stateful rule, no state: nothing to hold, checkpoint or revise
  if (stateful.length === 0) return pipe(judge(), judgeStateless(book, { explain }));
  return judgeByRules(book, {
    allowedLatenessMs,
    ttlMs: Math.max(...stateful.map((rule) => rule.ttlMs)),
    explain,
    ...(store ? { store } : {}),
    ...(onWatermark ? { onWatermark } : {}),
    ...(onRestored ? { onRestored } : {}),
  });
}

/**
 * The default rule set (`rules/default.json`) with `options` written into it, as a {@link RuleBook}:
 * each rule's options checked as the hand-written rules check them (their messages).
 *
 * @example
 * const book = defaultRuleBook({ amount: { limits: { XAF: 50_000 } } });
 * records$.pipe(judgeRules({ book, explain: true }))
 */
export function defaultRuleBook(options: DefaultRulesOptions = {}): RuleBook {
  const { rules = RULE_NAMES } = options;
  const unknown = rules.filter((name) => !RULE_NAMES.includes(name));
  if (unknown.length > 0) throw new RangeError(`judgeRules: unknown rule ${unknown.join(', ')}; known: ${RULE_NAMES.join(', ')}`);
  const on = (name: RuleName): boolean => rules.includes(name);
  if (on('amount')) amountAbove(options.amount);
  if (on('drain')) balanceDrain(options.drain);
  if (on('frequency')) frequencyRule(options.frequency);
  if (on('location')) locationRule(options.location);
  if (on('zscore')) amountZScoreRule(options.zScore);
  return RuleBook.of(defaultRuleSet(options, rules), 'rules/default.json');
}
