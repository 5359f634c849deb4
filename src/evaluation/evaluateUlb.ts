/**
 * The ULB credit-card anchor: a model trained on the first 70 % of the file by `Time` and
 * measured on the last 30 %, the time-ordered protocol of the published figures (never a random
 * split). The file is cut in two files first (`splitByTime`); the trainer is given the first one
 * only, so its threshold and everything else it chooses come from the training part; the test
 * part is then replayed through the model's feature rules and scored by `evaluateFraud`: average
 * precision of the probability, precision, recall and F1 at the model's threshold.
 *
 * Beside the model, the prototype's amount rule, the one rule that applies to ULB: its limit of
 * 10 000 XAF is 15.24 EUR at the euro's fixed rate (655.957 XAF), and ULB's amounts are euros.
 * ULB has no account, card, terminal, place or balance, so the other rules have nothing to read,
 * and card precision@100 (the Handbook's) has no card to count: it is not given.
 */
import { join } from 'node:path';
import { fromUlbCsv } from '../adapters/ulb.ts';
import type { FraudModel } from '../models/index.ts';
import { judgeRules } from '../operators/rules/judgeRules.ts';
import { type FraudEvaluation, evaluateFraud } from './evaluateFraud.ts';
import { modelMethod } from './modelMethod.ts';
import { type TimeSplit, splitByTime } from './timeSplit.ts';

/** XAF per euro, fixed since 1999 (the CFA franc's peg). */
export const XAF_PER_EUR = 655.957;
/** The share of the rows, first by `Time`, the model is trained on. */
export const ULB_TRAIN_FRACTION = 0.7;

/** The published figures on the same split, for the report (issue 24). */
export const ULB_ANCHORS = [
  { name: "scikit-learn's HistGradientBoosting (L2 1.0, learning rate 0.05)", averagePrecision: 0.786, f1: 0.761 },
  { name: 'logistic regression', averagePrecision: 0.655, f1: 0.647 },
  { name: 'published time-ordered XGBoost model cards', averagePrecision: '0.79–0.81', f1: '≈ 0.80' },
] as const;
export const ULB_TARGET = { averagePrecision: 0.8, f1: 0.8 } as const;

/**
 * The XGBoost parameters for ULB (over train/fraud.py's defaults), chosen on the training part
 * only by a time-ordered cross-validation (docs/detection-quality.md lists what was tried).
 */
export const ULB_PARAMS: Readonly<Record<string, string>> = { max_depth: '4', eta: '0.05', subsample: '0.8', colsample_bytree: '0.5', min_child_weight: '1', scale_pos_weight: '1' };

export interface UlbEvaluation {
  readonly split: TimeSplit;
  /** The model file's version and threshold. */
  readonly model: { readonly version: string; readonly threshold: number };
  /** The amount rule's limit, in euros. */
  readonly amountLimitEur: number;
  /** `model` and `amount`, on the test part. */
  readonly result: FraudEvaluation;
}

export interface EvaluateUlbOptions {
  /** Where the two parts are written (`ulb-train.csv`, `ulb-test.csv`). */
  readonly dir: string;
  /** Trains a model on the CSV it is given (the training part only) and returns it. */
  readonly train: (trainCsv: string) => Promise<FraudModel>;
  /** The prototype's amount limit in XAF (10 000), compared in euros. */
  readonly amountLimitXaf?: number;
  readonly fraction?: number;
  readonly onProgress?: (rows: number) => void;
}

/** Splits `csv` (ULB's format) by time, trains on the first part, scores the model and the amount rule on the second. */
export async function evaluateUlb(csv: string, options: EvaluateUlbOptions): Promise<UlbEvaluation> {
  const { dir, train, amountLimitXaf = 10_000, fraction = ULB_TRAIN_FRACTION, onProgress } = options;
  const split = await splitByTime(csv, fraction, join(dir, 'ulb-train.csv'), join(dir, 'ulb-test.csv'));
  const model = await train(split.train.file);
  const amountLimitEur = Math.round((amountLimitXaf / XAF_PER_EUR) * 100) / 100;
  const methods = {
    model: modelMethod(model),
    amount: judgeRules({ rules: ['amount'], amount: { limits: { EUR: amountLimitEur } } }),
  };
  const result = await evaluateFraud(fromUlbCsv(split.test.file), methods, onProgress ? { onProgress } : {});
  return { split, model: { version: model.version, threshold: model.threshold }, amountLimitEur, result };
}
