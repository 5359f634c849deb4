/**
 * Small fraud model files made by hand for tests: XGBoost's JSON model format with two trees of
 * one split each (amount, then the account's count of transactions in 10 minutes), the feature
 * rules that compute those two, and the fields the model file needs. A model trained by XGBoost
 * is in tests/models/ (the evaluator's check); these only need to score predictably.
 */
import type { FraudModelFile } from '../../src/models/modelFile.ts';

/** One split tree: `feature < split` → `low`, else `high`; a missing value goes low. */
export const stump = (feature: number, split: number, low: number, high: number) => ({
  left_children: [1, -1, -1],
  right_children: [2, -1, -1],
  parents: [2147483647, 0, 0],
  split_indices: [feature, 0, 0],
  split_conditions: [split, low, high],
  split_type: [0, 0, 0],
  default_left: [1, 0, 0],
  sum_hessian: [100, 60, 40],
  base_weights: [0, low, high],
  loss_changes: [1, 0, 0],
  id: 0,
  tree_param: { num_deleted: '0', num_feature: '2', num_nodes: '3', size_leaf_vector: '1' },
});

export interface TinyModelOptions {
  readonly version?: string;
  readonly threshold?: number;
  /** Amounts at or above it push the score up. */
  readonly amountSplit?: number;
  /** Transactions in 10 minutes at or above it push the score up. */
  readonly countSplit?: number;
  /** The feature rules' ids get this prefix (two models with other feature rules). */
  readonly prefix?: string;
}

/**
 * A model file: margin −2 below the amount split, +2 at or above it, and −1 / +1.5 for the count:
 * probabilities 0.047 (neither), 0.38 (count only), 0.73 (amount only), 0.97 (both).
 */
export function tinyModelFile(options: TinyModelOptions = {}): FraudModelFile {
  const { version = 'tiny-1', threshold = 0.5, amountSplit = 10_000, countSplit = 3, prefix = 'f' } = options;
  return {
    format: 'vigie-fraud-model',
    formatVersion: 1,
    version,
    learner: { name: 'xgboost', version: '2.1.4', params: { max_depth: 1 } },
    features: ['amount', 'count_10min'],
    featureRules: [
      { id: `${prefix}-amount`, version: 1, value: { field: 'amount' }, feature: 'amount' },
      { id: `${prefix}-count`, version: 1, value: { aggregate: 'count', window: '10min' }, feature: 'count_10min' },
    ],
    labelDelay: null,
    trainingWindow: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', rows: 1000, frauds: 10 },
    threshold,
    metrics: { training: { rows: 1000, frauds: 10, averagePrecision: 0.5, precision: 0.5, recall: 0.5, f1: 0.5 }, test: null },
    booster: {
      learner: {
        feature_names: ['amount', 'count_10min'],
        learner_model_param: { base_score: '5E-1', num_class: '0', num_feature: '2' },
        objective: { name: 'binary:logistic' },
        gradient_booster: { name: 'gbtree', model: { trees: [stump(0, amountSplit, -2, 2), stump(1, countSplit - 0.5, -1, 1.5)], tree_info: [0, 0] } },
      },
      version: [2, 1, 4],
    },
  };
}
