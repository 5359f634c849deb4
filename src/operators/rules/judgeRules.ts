import { type OperatorFunction, Subject, merge, pipe } from 'rxjs';
import { operate, operatorSubscriber } from '../operate.ts';
import type { SuspiciousTransaction, TransactionRecord } from '../../types.ts';
import { RULE_NAMES, type RuleName, defaultRuleSet } from '../../rules/defaultRules.ts';
import { RuleBook } from '../../rules/ruleBook.ts';
import { type AmountAboveOptions, amountAbove } from './amountAbove.ts';
import { type AmountZScoreOptions, amountZScoreRule } from './amountZScore.ts';
import { type BalanceDrainOptions, balanceDrain } from './balanceDrain.ts';
import type { DecideOnArrivalOptions, RulesStore } from './decideOnArrival.ts';
import { type FrequencyOptions, frequencyRule } from './frequency.ts';
import { type JudgeByRulesOptions, judgeByRules } from './judgeByRules.ts';
import { judgeStateless } from './judgeStateless.ts';
import { type Judged, judge } from './judged.ts';
import { type LocationOptions, locationRule } from './location.ts';
import type { RulesInForce } from '../../rules/ruleBook.ts';
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
   * give it to read the rules in force elsewhere too (the dashboard's Rules panel), or to change
   * them while the stream runs (a rule set file and the control topic, see `followRuleChanges`).
   * `rules` and each rule's options are then not read. Judged without state while no rule in
   * force keeps any (as `--rules amount` always was), with state from the first record after one came.
   */
  readonly book?: RuleBook;
  /**
   * With a `book`: keys other than the account (`terminal`) that rules added while it runs may
   * keep state by, besides those of its rules now (see `judgeByRules`).
   */
  readonly keys?: readonly string[];
  /**
   * With a `book`: each judgement carries `features`, the named values of the book's rules (a
   * model's inputs, see `scoreByModel`), null where a rule does not apply or has no value yet.
   */
  readonly features?: boolean;
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
  const explain = options.explain ?? false;
  const listeners = { ...(store ? { store } : {}), ...(onWatermark ? { onWatermark } : {}), ...(onRestored ? { onRestored } : {}) };
  const features = options.features === true ? { features: true } : {};
  if (options.book) return judgeLive(options.book, { allowedLatenessMs, explain, ...listeners, ...features, ...(options.keys ? { keys: options.keys } : {}) });
  const book = defaultRuleBook(options);
  const stateful = book.inForceAt(Number.POSITIVE_INFINITY).rules.filter((rule) => rule.stateful);
  // with no stateful rule, no state: nothing to hold, checkpoint or revise
  if (stateful.length === 0) return pipe(judge(), judgeStateless(book, { explain }));
  return judgeByRules(book, { allowedLatenessMs, ttlMs: Math.max(...stateful.map((rule) => rule.ttlMs)), explain, ...listeners });
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

/**
 * A book that may change while the stream runs: its records judged by `judgeStateless` (nothing
 * held, nothing checkpointed) as long as no rule in force keeps state, then by `judgeByRules`
 * from the first record judged after a stateful rule came, for good (its state starts empty, as a
 * new rule's does). Each record takes one branch, chosen as it arrives, so the order is kept.
 */
function judgeLive(book: RuleBook, options: JudgeByRulesOptions): OperatorFunction<TransactionRecord, Judged> {
  let stateful = false;
  let seen: RulesInForce | undefined;
  const needsState = (): boolean => {
    if (stateful) return true;
    const now = book.inForceAt(Number.POSITIVE_INFINITY);
    if (now !== seen) [seen, stateful] = [now, now.rules.some((rule) => rule.stateful)];
    return stateful;
  };
  const stateless = pipe(judge(), judgeStateless(book, { explain: options.explain ?? false, features: options.features === true }));
  // idle accounts kept 30 days, the longest a rule may keep state: a rule added later may need
  // that long, and each rule's own TTL is kept by the engine
  const decide = judgeByRules(book, options);
  return operate<TransactionRecord, Judged>((subscriber, source) => {
    const toStateless = new Subject<TransactionRecord>();
    const toDecide = new Subject<TransactionRecord>();
    subscriber.add(merge(toStateless.pipe(stateless), toDecide.pipe(decide)).subscribe({ next: (j) => subscriber.next(j), error: (e: unknown) => subscriber.error(e), complete: () => subscriber.complete() }));
    source.subscribe(
      operatorSubscriber(subscriber, {
        next: (record) => (needsState() ? toDecide : toStateless).next(record),
        complete: () => {
          toStateless.complete();
          toDecide.complete();
        },
      }),
    );
  });
}
