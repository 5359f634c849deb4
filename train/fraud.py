"""The learner of `vigie train fraud`: XGBoost on the feature matrix vigie's replay wrote.

Reads MATRIX (float64, little-endian, row-major: event time in ms, label, then the features, NaN
for missing), rows in event-time order. The first TRAIN_ROWS rows are the training part, the rest
the test part (metrics only: nothing is chosen on it).

On the training part only, time-ordered: its first 80 % fits a model, with early stopping on its
last 20 % (the validation slice, average precision); the threshold is the one of highest F1 on
that slice. The model is then refit on the whole training part with that many rounds and keeps
that threshold. Metrics: average precision, precision, recall and F1 at the threshold, on the
training part (the refit model, in sample), on the validation slice (the first model, out of
sample) and on the test part.

Writes in OUT: booster.json (booster.save_model), result.json (threshold, metrics, rounds, params,
xgboost's version) and predictions.f64 (the refit model's probability of every row).
One line per boosting round goes to stderr (`round N`) for vigie's progress bar.
"""
import argparse
import json
import os
import sys

import numpy as np
import xgboost as xgb
from sklearn.metrics import average_precision_score, precision_recall_curve

DEFAULTS = {
    'objective': 'binary:logistic',
    'eval_metric': 'aucpr',
    'tree_method': 'hist',
    'max_depth': 6,
    'eta': 0.05,
    'subsample': 0.8,
    'colsample_bytree': 0.8,
    'min_child_weight': 1,
    'nthread': 2,
    'seed': 0,
}
# not XGBoost's: how many rounds at most, and how many without progress on the validation slice stop it
DEFAULT_ROUNDS = 2000
DEFAULT_EARLY_STOPPING = 100
VALIDATION_SHARE = 0.2


class Rounds(xgb.callback.TrainingCallback):
    def __init__(self, label):
        self.label = label

    def after_iteration(self, model, epoch, evals_log):
        print(f'round {self.label} {epoch + 1}', file=sys.stderr, flush=True)
        return False


def parse_value(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def figures(labels, scores, threshold):
    flagged = scores >= threshold
    tp = int(np.sum(flagged & (labels == 1)))
    fp = int(np.sum(flagged & (labels == 0)))
    fn = int(np.sum(~flagged & (labels == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    frauds = int(labels.sum())
    ap = float(average_precision_score(labels, scores)) if 0 < frauds < len(labels) else None
    return {'rows': int(len(labels)), 'frauds': frauds, 'averagePrecision': ap, 'precision': precision, 'recall': recall, 'f1': f1}


def best_f1_threshold(labels, scores):
    if labels.sum() == 0:
        return 0.5
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-300), 0)[:-1]
    return float(thresholds[int(np.argmax(f1))])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--matrix', required=True)
    parser.add_argument('--columns', type=int, required=True, help='features per row (without time and label)')
    parser.add_argument('--train-rows', type=int, required=True)
    parser.add_argument('--param', action='append', default=[], help='key=value, over the defaults')
    parser.add_argument('--out', required=True)
    args = parser.parse_args()

    data = np.fromfile(args.matrix, dtype='<f8').reshape(-1, args.columns + 2)
    labels = data[:, 1].astype(np.int32)
    x = data[:, 2:]
    params = dict(DEFAULTS)
    for item in args.param:
        key, _, value = item.partition('=')
        params[key] = parse_value(value)
    max_rounds = int(params.pop('rounds', DEFAULT_ROUNDS))
    early = int(params.pop('early_stopping_rounds', DEFAULT_EARLY_STOPPING))

    n_train = args.train_rows
    n_fit = int(round(n_train * (1 - VALIDATION_SHARE)))
    if n_fit < 1 or n_fit >= n_train:
        sys.exit(f'the training part ({n_train} rows) is too small to keep its last {VALIDATION_SHARE:.0%} for the threshold')
    if labels[:n_fit].sum() == 0 or labels[n_fit:n_train].sum() == 0:
        sys.exit('the training part has no fraud in its first 80 % or in its last 20 %: no model or threshold can be chosen')
    fit = xgb.DMatrix(x[:n_fit], label=labels[:n_fit])
    validation = xgb.DMatrix(x[n_fit:n_train], label=labels[n_fit:n_train])
    first = xgb.train(params, fit, num_boost_round=max_rounds, evals=[(validation, 'validation')],
                      early_stopping_rounds=early, verbose_eval=False, callbacks=[Rounds('validation')])
    rounds = first.best_iteration + 1
    validation_scores = first.predict(validation, iteration_range=(0, rounds))
    threshold = best_f1_threshold(labels[n_fit:n_train], validation_scores)

    refit = xgb.train(params, xgb.DMatrix(x[:n_train], label=labels[:n_train]), num_boost_round=rounds,
                      verbose_eval=False, callbacks=[Rounds('refit')])
    scores = refit.predict(xgb.DMatrix(x))
    metrics = {
        'training': figures(labels[:n_train], scores[:n_train], threshold),
        'validation': figures(labels[n_fit:n_train], validation_scores, threshold),
        'test': figures(labels[n_train:], scores[n_train:], threshold) if len(labels) > n_train else None,
    }
    os.makedirs(args.out, exist_ok=True)
    refit.save_model(os.path.join(args.out, 'booster.json'))
    scores.astype('<f8').tofile(os.path.join(args.out, 'predictions.f64'))
    params['rounds'] = rounds
    params['early_stopping_rounds'] = early
    with open(os.path.join(args.out, 'result.json'), 'w') as out:
        json.dump({'threshold': threshold, 'metrics': metrics, 'params': params, 'rounds': rounds,
                   'validationRows': n_train - n_fit, 'xgboost': xgb.__version__}, out)


if __name__ == '__main__':
    main()
