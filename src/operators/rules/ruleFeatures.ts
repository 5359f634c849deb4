import { type OperatorFunction, filter, map, pipe } from 'rxjs';
import type { TransactionRecord } from '../../types.ts';
import type { RuleBook } from '../../rules/ruleBook.ts';
import type { DecideOnArrivalOptions } from './decideOnArrival.ts';
import { judgeByRules } from './judgeByRules.ts';

/** A transaction with the named values of the rules in force at it: one row of a model's inputs. */
export interface FeatureRow {
  readonly record: TransactionRecord;
  /** Each feature in force (a rule's `feature`), null where its rule does not apply or has no value yet. */
  readonly features: Readonly<Record<string, number | null>>;
}

/**
 * The rules' aggregates read as a model's features: each record with the value of every rule of
 * `book` that names a `feature` (a count, sum or mean of a field per key over a window, a
 * z-score, a speed, ...), computed by the same engine, the same state and the same checkpoints
 * as the rules that judge the live stream. A model trained on a replay of history through this
 * operator and served beside the rules (`judgeByRules(book, { features: true })`) reads the same
 * values for the same records in the same order: there is one piece of code for both.
 *
 * Each record comes out once, with the values at its arrival (a revision changes decisions, not
 * the features a model was given). Label events in the stream (records whose transaction has a
 * `label`) feed the rules that read them (`fraudLabels`) and give no row.
 *
 * ```
 * source:  -a-b-c-|        book: { feature: 'count10min', value: count over 10 min per account }
 *          ruleFeatures(book)
 * output:  -A-B-C-|        A = { record: a, features: { count10min: 1 } }, B: 2, C: 3 (one account)
 * ```
 *
 * @example
 * records$.pipe(ruleFeatures(RuleBook.of(featureRules))).subscribe(({ features }) => model.score(features));
 *
 * @param book the rules, features among them.
 * @param options `decideOnArrival`'s (lateness, store, ...).
 * @return An Observable of one feature row per record, in arrival order.
 */
export function ruleFeatures(book: RuleBook, options: DecideOnArrivalOptions = {}): OperatorFunction<TransactionRecord, FeatureRow> {
  return pipe(
    judgeByRules(book, { ...options, explain: false, features: true }),
    // one row per transaction: label events (src/rules/labels.ts) feed the state, they are not rows
    filter((judged) => (judged.revision ?? 0) === 0 && judged.record.transaction.label === undefined),
    map((judged): FeatureRow => ({ record: judged.record, features: judged.features ?? {} })),
  );
}
