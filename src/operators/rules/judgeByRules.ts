import type { Observable, OperatorFunction } from 'rxjs';
import type { TransactionRecord } from '../../types.ts';
import { DEFAULT_TTL_MS, stageKeyOf } from '../../rules/compile.ts';
import { rulesEngine } from './ruleEngine.ts';
import type { RuleBook } from '../../rules/ruleBook.ts';
import { type DecideOnArrivalOptions, RulesStore, decideOnArrival } from './decideOnArrival.ts';
import { type Judged, judge } from './judged.ts';

/**
 * Judges every transaction by the rules of the rule language in force at its event time (see
 * src/rules/): a {@link RuleBook} that may change while the stream runs (rules added, changed,
 * disabled, removed from the control topic), each rule's state per account under its id and
 * version. Decided on arrival with `decideOnArrival`'s revisions, lateness and checkpoints.
 * Rules keyed by another field than the account (a terminal) keep their state in a stage of
 * their own after the account's, per source partition, in `store.stage(key)`: a terminal's state
 * is what the partition's transactions showed of it (the topic is keyed by account).
 * Every record comes out with its judgement; with `explain` (the default here) each carries
 * `fired`, the rules that fired with their versions, values and limits.
 *
 * ```
 * source:  -a-b-c-|        book: { amount > 10000 XAF }; b = 15 000 XAF
 *          judgeByRules(book)
 * output:  -a-B-c-|        B = { record: b, reasons: ['amount>10000XAF'], score: 1.5,
 *                                fired: [{ id: 'amount', version: 1, value: 15000, limit: 10000, ... }] }
 * ```
 *
 * @example
 * const book = RuleBook.of(JSON.parse(readFileSync('rules/default.json', 'utf8')).rules);
 * records$.pipe(judgeByRules(book), suspiciousOnly())
 *
 * @param book the rules, as they change.
 * @param options `decideOnArrival`'s (lateness, store, listeners), `explain` (true by default),
 * `features` (each judgement carries the rules' named values, see `ruleFeatures`) and `ttlMs`,
 * how long an idle account is kept (30 days by default).
 * @return An Observable of every record's judgement, and the revisions.
 */
export function judgeByRules(book: RuleBook, options: JudgeByRulesOptions = {}): OperatorFunction<TransactionRecord, Judged> {
  const { ttlMs, keys = [], ...decideOptions } = options;
  // the account's stage, then one per other key of the rules (and of `keys`): fixed from now on
  const stages = [...new Set([...book.stagesInUse(), ...keys])];
  book.fixStages(stages);
  const store = options.store ?? new RulesStore();
  const decides = stages.map((stage) => {
    // an idle key is kept 30 days, or as long as the longest TTL of its stage's rules now (up to 40 days)
    const longest = Math.max(DEFAULT_TTL_MS, ...book.inForceAt(Number.POSITIVE_INFINITY).rules.filter((r) => r.stage === stage).map((r) => r.ttlMs));
    const engine = rulesEngine(book, { ttlMs: ttlMs ?? longest, features: options.features === true, stage });
    if (stage === 'account') return decideOnArrival([engine], { explain: true, ...decideOptions, store });
    const keyOf = stageKeyOf(stage);
    return decideOnArrival([engine], { explain: true, ...decideOptions, store: store.stage(stage), keyOf });
  });
  return (source: Observable<TransactionRecord>) => decides.reduce<Observable<Judged>>((judged$, decide) => judged$.pipe(decide), source.pipe(judge()));
}

export interface JudgeByRulesOptions extends DecideOnArrivalOptions {
  /** How long an idle key is kept; 30 days by default. */
  readonly ttlMs?: number;
  /**
   * Keys other than the account (`terminal`, `terminal+channel`) that rules added while it runs
   * may be keyed by, besides those of the book's rules now: a stage each, built now.
   */
  readonly keys?: readonly string[];
}
