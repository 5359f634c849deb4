import { type OperatorFunction, map } from 'rxjs';
import type { FiredRule } from '../../types.ts';
import { eventTime } from './eventTime.ts';
import type { RuleBook } from '../../rules/ruleBook.ts';
import type { Judged } from './judged.ts';

/**
 * Judges each record by the stateless rules of `book` in force at its event time (an amount, a
 * ratio of two fields: no state, nothing held, late records judged too): what `judgeRules` runs
 * when no rule keeps state. Stateful rules in the book are skipped: give those to `judgeByRules`.
 *
 * ```
 * source:  -a-b-|        book: { amount > 10000 XAF }; b = 15 000 XAF
 *          judgeStateless(book)
 * output:  -a-B-|        B = b + { reasons: ['amount>10000XAF'], score: 1.5 }
 * ```
 *
 * @example
 * records$.pipe(judge(), judgeStateless(RuleBook.of([amountRule])), suspiciousOnly())
 *
 * @param book the rules, as they change.
 * @param options `explain`: each judgement carries `fired` (off by default); `features`: each
 *   carries the values of the rules that name a `feature` (null where one does not apply), as
 *   `judgeByRules` gives them.
 * @return An Observable of every judgement, flagged or not.
 */
export function judgeStateless(book: RuleBook, { explain = false, features: withFeatures = false }: { explain?: boolean; features?: boolean } = {}): OperatorFunction<Judged, Judged> {
  return map((judged) => {
    const tx = judged.record.transaction;
    let reasons: string[] | undefined;
    let fired: FiredRule[] | undefined;
    let score = judged.score;
    const inForce = book.inForceAt(eventTime(tx));
    // every feature of the account's stage in force, null unless its rule applies and has a value
    let features: Record<string, number | null> | undefined;
    if (withFeatures) for (const f of inForce.features) if (f.stage === 'account') (features ??= {})[f.name] = null;
    for (const rule of inForce.candidates(tx)) {
      if (rule.stateful || !rule.applies(tx)) continue;
      const { fired: flag, value } = rule.step(undefined, tx, 0);
      if (features !== undefined && rule.feature !== undefined) features[rule.feature] = value ?? null;
      if (flag === undefined) continue;
      (reasons ??= [...judged.reasons]).push(flag.reason);
      score = Math.max(score, flag.score);
      if (explain) (fired ??= [...(judged.fired ?? [])]).push(flag);
    }
    const out = reasons === undefined ? judged : fired === undefined ? { ...judged, reasons, score } : { ...judged, reasons, score, fired };
    return features === undefined ? out : { ...out, features };
  });
}
