import { type OperatorFunction, map } from 'rxjs';
import type { ModelSlots, ScoringModel } from '../models/modelSlots.ts';
import type { ModelScore } from '../types.ts';
import type { Judged } from './rules/judged.ts';

/**
 * Scores each judged transaction with a learned model, beside the rules: the model reads the
 * features the rule engine computed for it (`judgeByRules(book, { features: true })`, the model's
 * feature rules among the book's), and a probability at or above its threshold flags the
 * transaction (reason `model>=<threshold>`, score probability / threshold, as a rule's value /
 * limit). A transaction the rules or the model flag carries the model's `score` and `version`,
 * and one the model flags its top contributing features too (TreeSHAP, log-odds: what pushed the
 * model over its threshold; computing them costs hundreds of µs, too much for every transaction
 * the rules flag, whose rules that fired explain them); a shadow model, when there is one, is scored
 * too and its score carried beside, deciding nothing. The models are read from `slots` at each
 * transaction: a model changed while the stream runs scores the next one.
 *
 * ```
 * source:  -a-b-c-|        model: threshold 0.5; a scores 0.1, b 0.9; c fired a rule, scores 0.2
 *          scoreByModel(slots)
 * output:  -a-B-C-|        B = b + { reasons: ['model>=0.5'], score: 1.8, model: { version, score: 0.9, top } }
 *                          C = c + { model: { version, score: 0.2 } }; a passes as it came
 * ```
 *
 * A record without features (the flow computes none), a label event, or no current model, passes as it came.
 *
 * @example
 * records$.pipe(judgeByRules(book, { features: true }), scoreByModel(new ModelSlots(readFraudModel('model.json'))), suspiciousOnly())
 *
 * @param slots the current model (and the shadow), as they change.
 * @param options `top`: how many contributions a transaction the model flags carries (3); `measure`: told
 *   of each scored transaction's scoring time in ms (both models, contributions included), for a benchmark.
 * @return An Observable of the judgements, the model's verdict added.
 */
export function scoreByModel(slots: Pick<ModelSlots<ScoringModel>, 'current' | 'shadow'>, options: { top?: number; measure?: (ms: number) => void } = {}): OperatorFunction<Judged, Judged> {
  const { top = 3, measure } = options;
  if (!(Number.isInteger(top) && top >= 0)) throw new RangeError(`scoreByModel: top must be a whole number >= 0, got ${top}`);
  const judgeWith = (judged: Judged): Judged => {
    const { current, shadow } = slots;
    const features = judged.features;
    // a label event (src/rules/labels.ts) feeds the features of the transactions after it: it is no transaction to score
    if (current === undefined || features === undefined || judged.record.transaction.label !== undefined) return judged;
    const score = current.score(features);
    const flagged = score >= current.threshold;
    if (!flagged && judged.reasons.length === 0 && (judged.revision ?? 0) === 0) return judged; // not stored: nothing more to compute
    // the top features explain the model's own flag: exact TreeSHAP costs hundreds of µs, too
    // much for every transaction the rules flag (the rules that fired explain those)
    const model: ModelScore = flagged
      ? { version: current.version, score, threshold: current.threshold, top: current.contributions(features).slice(0, top) }
      : { version: current.version, score, threshold: current.threshold };
    const out: Judged = flagged
      ? { ...judged, reasons: [...judged.reasons, `model>=${current.threshold}`], score: Math.max(judged.score, score / current.threshold), model }
      : { ...judged, model };
    return shadow === undefined ? out : { ...out, shadow: { version: shadow.version, score: shadow.score(features), threshold: shadow.threshold } };
  };
  if (measure === undefined) return map(judgeWith);
  return map((judged) => {
    // timed only when a model scores it: a flow without one reports no time
    if (slots.current === undefined || judged.features === undefined || judged.record.transaction.label !== undefined) return judged;
    const start = performance.now();
    const out = judgeWith(judged);
    measure(performance.now() - start);
    return out;
  });
}
