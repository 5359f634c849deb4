"""vigie's model on the Handbook's protocol: `vigie evaluate fraud handbook` runs it per seed.

Reads the simulated bank's CSV (for the split, the labels and the cards, exactly as
bench/handbook/baselines.py reads them: its functions are imported) and FEATURES, the feature rows
vigie's replay wrote (transaction_id, then one column per feature of rules/features.json, empty
for a missing value: XGBoost's missing), for the training and the test weeks. The model is XGBoost
with the settings of the baselines' XGBoost (the Handbook's: tree_method="exact", base_score=0.5,
random_state=0), on vigie's streaming features, unscaled (trees). The threshold is chosen on the
training week only, time-ordered: a model fitted on its first 5 days, the threshold of highest F1
on its last 2; the model is then refit on the whole week. Metrics on the test week, the
baselines' way: AUC ROC, average precision, card precision@100; and precision, recall and F1 at
the threshold.

A second design on the same features and the same steps, under `random_forest`: scikit-learn's
random forest with the baselines' settings (random_state=0, its defaults: 100 fully grown trees), a
missing value given as -1 (every feature is >= 0, so -1 sits below all of them; this
scikit-learn's forest is given no NaN). vigie serves XGBoost only: the forest is measured here,
not served (docs/detection-quality.md says what serving it needs).

Prints one JSON object (with the precision-recall curve, thinned to 2 000 points, for the picture).

Run: .vigie/bench/venv-handbook/bin/python train/handbook.py bank.csv features.csv
"""

import argparse
import json
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "handbook"))
import baselines  # noqa: E402  the Handbook's split and card precision@100, shared with the baselines

VALIDATION_DAYS = 2


def model():
    import xgboost

    return xgboost.XGBClassifier(random_state=0, n_jobs=-1, tree_method="exact", base_score=0.5)


def forest():
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(random_state=0, n_jobs=-1)


def best_f1_threshold(labels: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import precision_recall_curve

    precision, recall, thresholds = precision_recall_curve(labels, scores)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(precision), where=(precision + recall) > 0)
    return float(thresholds[int(np.argmax(f1[:-1]))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("features")
    parser.add_argument("--start-training", default="2018-07-25")
    parser.add_argument("--scores", help="also write the test week's rows and both designs' scores to this CSV (for the tests)")
    args = parser.parse_args()

    from sklearn.metrics import average_precision_score, f1_score, precision_recall_curve, precision_score, recall_score, roc_auc_score

    baselines.stage("reading the CSV")
    frame = baselines.read_bank(args.csv)
    train, test, day = baselines.split(frame, pd.Timestamp(args.start_training, tz="UTC"), 7, baselines.DELAY_DAYS, 7)
    table = pd.read_csv(args.features, dtype={"transaction_id": np.int64}).set_index("transaction_id")
    names = [c for c in table.columns]
    ids = frame["transaction_id"].to_numpy()
    missing = ~np.isin(ids[train | test], table.index.to_numpy())
    if missing.any():
        raise SystemExit(f"handbook: {args.features}: no features for {int(missing.sum())} transactions of the training or test week (first {ids[train | test][missing][0]})")
    x_train = table.loc[ids[train], names].to_numpy(dtype=np.float64)
    x_test = table.loc[ids[test], names].to_numpy(dtype=np.float64)
    labels = frame["fraud"].to_numpy()
    y_train, y_test = labels[train], labels[test]

    first = int(pd.Timestamp(args.start_training, tz="UTC").timestamp()) // baselines.DAY
    fit_part = day[train] < first + 7 - VALIDATION_DAYS
    cards = frame["account"].to_numpy()[test]
    test_scores = {}

    def measured(make, x_train, x_test, what):
        """The threshold chosen on the training week, the refit, the test week's figures."""
        baselines.stage(f"{what}: choosing the threshold on the training week")
        chooser = make().fit(x_train[fit_part], y_train[fit_part])
        threshold = best_f1_threshold(y_train[~fit_part], chooser.predict_proba(x_train[~fit_part])[:, 1])
        baselines.stage(f"{what}: training on the training week")
        fitted = make().fit(x_train, y_train)
        scores = fitted.predict_proba(x_test)[:, 1]
        test_scores[what] = scores
        flagged = scores >= threshold
        precision, recall, _ = precision_recall_curve(y_test, scores)
        keep = np.unique(np.linspace(0, len(precision) - 1, 2000).astype(int))
        return fitted, {
            "threshold": round(threshold, 6),
            "auc_roc": round(float(roc_auc_score(y_test, scores)), 4),
            "average_precision": round(float(average_precision_score(y_test, scores)), 4),
            "card_precision_at_100": round(baselines.card_precision_at_k(day[test], cards, y_test, scores), 4),
            "precision": round(float(precision_score(y_test, flagged, zero_division=0)), 4),
            "recall": round(float(recall_score(y_test, flagged, zero_division=0)), 4),
            "f1": round(float(f1_score(y_test, flagged, zero_division=0)), 4),
            "curve": [[round(float(recall[i]), 4), round(float(precision[i]), 4)] for i in keep],
        }

    fitted, figures = measured(model, x_train, x_test, "XGBoost")
    importance = fitted.get_booster().get_score(importance_type="gain")
    _, forest_figures = measured(forest, np.nan_to_num(x_train, nan=-1.0), np.nan_to_num(x_test, nan=-1.0), "random forest")
    if args.scores:
        pd.DataFrame(
            {"transaction_id": ids[test], "day": day[test], "account": cards, "fraud": y_test, "xgboost": test_scores["XGBoost"], "random_forest": test_scores["random forest"]}
        ).to_csv(args.scores, index=False, float_format="%.17g")
    print(
        json.dumps(
            {
                "train": {"rows": int(train.sum()), "frauds": int(y_train.sum())},
                "test": {"rows": int(test.sum()), "frauds": int(y_test.sum())},
                "features": names,
                **figures,
                "gain": {names[int(k[1:])]: round(v, 2) for k, v in sorted(importance.items(), key=lambda kv: -kv[1])},
                "random_forest": forest_figures,
            }
        )
    )


if __name__ == "__main__":
    main()
