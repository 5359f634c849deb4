/**
 * A fraud model as a method `evaluateFraud` scores: the model's feature rules run by the rule
 * engine (`ruleFeatures`, as training replayed them and as `detect transactions --model` runs
 * them), each transaction's probability as the judgement's score (so that average precision and
 * the curve are the model's own), and a reason when it is at or above the model's threshold (so
 * that precision, recall and F1 are those at the threshold chosen on the training part).
 */
import { type OperatorFunction, map, pipe } from 'rxjs';
import type { FraudModel } from '../models/index.ts';
import type { Judged } from '../operators/rules/judged.ts';
import { ruleFeatures } from '../operators/rules/ruleFeatures.ts';
import type { TransactionRecord } from '../types.ts';

/** `model` judging each record: score = its probability, a reason `model>=threshold` when flagged. */
export function modelMethod(model: Pick<FraudModel, 'featureBook' | 'threshold' | 'score'>): OperatorFunction<TransactionRecord, Judged> {
  const reason = [`model>=${model.threshold}`];
  return pipe(
    ruleFeatures(model.featureBook),
    map(({ record, features }): Judged => {
      const score = model.score(features);
      return { record, reasons: score >= model.threshold ? reason : [], score, late: false };
    }),
  );
}
