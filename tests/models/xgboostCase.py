"""One case of tests/models/treeEnsemble.test.ts: trains a small XGBoost model (binary:logistic)
on seeded random data with missing values, and prints as JSON the model as XGBoost saves it, test
rows (float64, as Node gets them; XGBoost reads them as float32) and XGBoost's own predictions:
probabilities, margins and pred_contribs (the last column is the bias).

usage: xgboostCase.py SEED DEPTH ROUNDS FEATURES MISSING QUANTIZED OUT.json
"""
import json
import sys

import numpy as np
import xgboost as xgb

seed, depth, rounds, features = (int(a) for a in sys.argv[1:5])
missing = float(sys.argv[5])
quantized = sys.argv[6] == '1'
rng = np.random.default_rng(seed)


def rows(n):
    x = rng.normal(size=(n, features)) * rng.uniform(0.1, 100, size=features)
    if quantized:  # values on a grid: test rows fall exactly on the split values
        x = np.round(x * 2) / 2
    x[rng.random((n, features)) < missing] = np.nan
    return x


train = rows(800)
z = np.nan_to_num(train / np.nanstd(train, axis=0))
signal = z[:, 0] + z[:, 1 % features] * z[:, 2 % features] - 0.5 * np.abs(z[:, -1]) + rng.normal(scale=0.7, size=len(z))
label = (signal > np.quantile(signal, 0.8)).astype(int)
params = {'objective': 'binary:logistic', 'max_depth': depth, 'eta': 0.3, 'min_child_weight': 0.5, 'seed': seed, 'nthread': 1}
booster = xgb.train(params, xgb.DMatrix(train, label=label), num_boost_round=rounds)
booster.save_model(sys.argv[7] + '.model.json')
test = np.vstack([rows(150), train[:50]])
dm = xgb.DMatrix(test)
out = {
    'model': json.load(open(sys.argv[7] + '.model.json')),
    'rows': [[None if np.isnan(v) else float(v) for v in r] for r in test],
    'probability': booster.predict(dm).tolist(),
    'margin': booster.predict(dm, output_margin=True).tolist(),
    'contributions': booster.predict(dm, pred_contribs=True).tolist(),
}
json.dump(out, open(sys.argv[7], 'w'))
