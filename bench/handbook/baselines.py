"""The Handbook's five baselines on a labelled bank CSV: `npm run bench -- handbook` runs it per seed.

From the published description of the *Reproducible Machine Learning for Credit Card Fraud
Detection - Practical Handbook* (Le Borgne et al., ULB), chapters 3.3-3.4; no code of theirs is
copied (their notebooks are GPL). The CSV is `vigie simulate bank`'s (docs/detection-quality.md
names its columns): transaction_id, timestamp, account, terminal, amount, ..., fraud, kind.

Features (15), each computed for every transaction of the file, in event-time order:
- TX_AMOUNT; weekend (Saturday or Sunday, UTC); night (hour <= 6).
- per customer (account), for w = 1, 7, 30 days: the count and the mean amount of its transactions
  in (t - w, t], the current one included (a transaction exactly w days earlier is out);
- per terminal, for w = 1, 7, 30 days: the count and the fraud rate of its transactions in
  (t - (7 + w), t - 7] (the labels of the last 7 days are not known yet); the rate is 0 when that
  window is empty.
Split: train on [start, start + 7 days), a 7-day gap, test the next 7 days, one day at a time; a
test day leaves out the cards with a fraud in training or in the gap's days known by then (those
before test day - 7 days), as the Handbook's get_train_test_set does. StandardScaler fitted on the
training set. Models, all random_state=0: logistic regression, decision trees of depth 2 and
unlimited, random forest (100 trees), XGBoost with its former defaults (tree_method="exact",
base_score=0.5). Metrics on the test set: AUC ROC, average precision, and card precision@100 (per
test day each card's highest score and its label; cards caught in an earlier day's top 100 are
dropped; the mean over the days).

Prints one JSON object. `--features` prints the feature table instead (JSON lines, one per
transaction, for the tests in tests/bench/handbookFeatures.test.ts).

Run: .vigie/bench/venv-handbook/bin/python bench/handbook/baselines.py bank.csv
"""

import argparse
import json
import platform
import resource
import sys
import time

import numpy as np
import pandas as pd

# scikit-learn and XGBoost are imported where the models are made: `--features` (the tests) and
# the split do without them, a few seconds sooner.

DAY = 86_400
WINDOWS = (1, 7, 30)
DELAY_DAYS = 7
FEATURES = (
    ["TX_AMOUNT", "TX_DURING_WEEKEND", "TX_DURING_NIGHT"]
    + [f"CUSTOMER_ID_{kind}_{w}DAY_WINDOW" for w in WINDOWS for kind in ("NB_TX", "AVG_AMOUNT")]
    + [f"TERMINAL_ID_{kind}_{w}DAY_WINDOW" for w in WINDOWS for kind in ("NB_TX", "RISK")]
)
MODELS = ("logistic regression", "decision tree, depth 2", "decision tree, unlimited", "random forest", "xgboost")


def stage(message: str) -> None:
    """One progress line on stderr: the bench shows it as the seed's current stage."""
    print(f"stage: {message}", file=sys.stderr, flush=True)


def read_bank(path: str) -> pd.DataFrame:
    """The CSV, checked: the columns the baselines need, and rows in event-time order."""
    frame = pd.read_csv(
        path,
        usecols=["transaction_id", "timestamp", "account", "terminal", "amount", "fraud"],
        dtype={"transaction_id": np.int64, "account": str, "terminal": str, "amount": np.float64, "fraud": np.int8},
    )
    seconds = pd.to_datetime(frame["timestamp"], format="%Y-%m-%dT%H:%M:%SZ", utc=True)
    frame["seconds"] = (seconds - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    frame["datetime"] = seconds
    if not frame["seconds"].is_monotonic_increasing:
        raise SystemExit(f"baselines: {path}: rows are not in event-time order")
    return frame


def windowed(group: np.ndarray, seconds: np.ndarray, values: np.ndarray, lower: int, upper: int):
    """For each row i: the count and sum of `values` over the rows of its group that come no later
    than i in the file and whose time lies in (t_i - lower, t_i - upper] (upper = 0: the row itself
    and those before it, ties by file order, as a time-based rolling window ending at the row)."""
    order = np.lexsort((np.arange(len(group)), group))  # by group, then file order (= time order)
    key = group[order].astype(np.int64) * (1 << 40) + seconds[order]
    cumulative = np.concatenate(([0.0], np.cumsum(values[order])))
    start = np.searchsorted(key, key - lower, side="right")
    if upper == 0:
        end = np.arange(1, len(key) + 1)
    else:
        end = np.searchsorted(key, key - upper, side="right")
    count = np.empty(len(key), dtype=np.int64)
    total = np.empty(len(key))
    count[order] = end - start
    total[order] = cumulative[end] - cumulative[start]
    return count, total


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """The Handbook's 15 features (module doc), one row per transaction, in the file's order."""
    seconds = frame["seconds"].to_numpy()
    out = pd.DataFrame({"transaction_id": frame["transaction_id"], "TX_AMOUNT": frame["amount"]})
    out["TX_DURING_WEEKEND"] = (frame["datetime"].dt.weekday >= 5).astype(np.int8)
    out["TX_DURING_NIGHT"] = (frame["datetime"].dt.hour <= 6).astype(np.int8)
    customer = frame["account"].astype("category").cat.codes.to_numpy()
    terminal = frame["terminal"].astype("category").cat.codes.to_numpy()
    amount = frame["amount"].to_numpy()
    fraud = frame["fraud"].to_numpy().astype(np.float64)
    for w in WINDOWS:
        count, total = windowed(customer, seconds, amount, w * DAY, 0)
        out[f"CUSTOMER_ID_NB_TX_{w}DAY_WINDOW"] = count
        out[f"CUSTOMER_ID_AVG_AMOUNT_{w}DAY_WINDOW"] = total / count  # count >= 1: the row itself
    for w in WINDOWS:
        count, frauds = windowed(terminal, seconds, fraud, (DELAY_DAYS + w) * DAY, DELAY_DAYS * DAY)
        out[f"TERMINAL_ID_NB_TX_{w}DAY_WINDOW"] = count
        out[f"TERMINAL_ID_RISK_{w}DAY_WINDOW"] = np.divide(frauds, count, out=np.zeros(len(count)), where=count > 0)
    return out


def split(frame: pd.DataFrame, start: pd.Timestamp, train_days: int, delay_days: int, test_days: int, whole_gap: bool = False):
    """Training rows, and test rows without the cards already known to be compromised (module doc);
    `whole_gap`: without the cards with a fraud anywhere in the gap, on every test day (not the
    Handbook's split: shows how much that choice moves the figures)."""
    day = frame["seconds"].to_numpy() // DAY
    first = int(start.timestamp()) // DAY
    train = (day >= first) & (day < first + train_days)
    fraud = frame["fraud"].to_numpy() == 1
    known = set(frame.loc[train & fraud, "account"])
    if whole_gap:
        known |= set(frame.loc[(day >= first + train_days) & (day < first + train_days + delay_days) & fraud, "account"])
    test = np.zeros(len(frame), dtype=bool)
    for d in range(test_days):
        # Frauds of day (test day - delay - 1) are known by the test day: the Handbook's delay.
        newly = (day == first + train_days + d - 1) & fraud
        known |= set(frame.loc[newly, "account"])
        today = day == first + train_days + delay_days + d
        test |= today & ~frame["account"].isin(known).to_numpy()
    return train, test, day


def models(seed: int) -> dict:
    import xgboost
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    return {
        "logistic regression": LogisticRegression(random_state=seed),
        "decision tree, depth 2": DecisionTreeClassifier(max_depth=2, random_state=seed),
        "decision tree, unlimited": DecisionTreeClassifier(random_state=seed),
        "random forest": RandomForestClassifier(random_state=seed, n_jobs=-1),
        # The defaults of XGBoost 1.x, when the Handbook ran: today's (hist, base_score fitted) cost
        # about 0.075 AP on the same data.
        "xgboost": xgboost.XGBClassifier(random_state=seed, n_jobs=-1, tree_method="exact", base_score=0.5),
    }


def card_precision_at_k(days: np.ndarray, cards: np.ndarray, labels: np.ndarray, scores: np.ndarray, k: int = 100) -> float:
    """Per test day: each card's highest score and label (max), the top k cards by score; cards
    caught (fraud in a top k) on an earlier day are dropped; the mean of the days' precisions."""
    caught: set = set()
    per_day = []
    table = pd.DataFrame({"day": days, "card": cards, "label": labels, "score": scores})
    for _, today in table.groupby("day", sort=True):
        today = today[~today["card"].isin(caught)]
        by_card = today.groupby("card").agg(score=("score", "max"), label=("label", "max"))
        top = by_card.sort_values("score", ascending=False, kind="mergesort").head(k)
        found = top.index[top["label"] == 1]
        per_day.append(len(found) / k)
        caught.update(found)
    return float(np.mean(per_day))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("--start-training", default="2018-07-25")
    parser.add_argument("--train-days", type=int, default=7)
    parser.add_argument("--delay-days", type=int, default=DELAY_DAYS)
    parser.add_argument("--test-days", type=int, default=7)
    parser.add_argument("--leave-out-whole-gap", action="store_true", help="not the Handbook's split: test without every card with a fraud in the gap")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--features", action="store_true", help="print the feature table (JSON lines) and stop")
    args = parser.parse_args()

    began = time.perf_counter()
    stage("reading the CSV")
    frame = read_bank(args.csv)
    stage("computing the features")
    table = features(frame)
    if args.features:
        for record in table.to_dict(orient="records"):
            print(json.dumps(record))
        return

    import sklearn
    import xgboost
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.preprocessing import StandardScaler

    features_seconds = time.perf_counter() - began
    train, test, day = split(frame, pd.Timestamp(args.start_training, tz="UTC"), args.train_days, args.delay_days, args.test_days, args.leave_out_whole_gap)
    labels = frame["fraud"].to_numpy()
    if labels[train].sum() == 0 or labels[test].sum() == 0:
        raise SystemExit(f"baselines: {args.csv}: no fraud in the training or the test set")
    scaler = StandardScaler().fit(table.loc[train, FEATURES])
    x_train = scaler.transform(table.loc[train, FEATURES])
    x_test = scaler.transform(table.loc[test, FEATURES])
    results = {}
    for name, model in models(args.random_state).items():
        stage(f"training {name}")
        started = time.perf_counter()
        model.fit(x_train, labels[train])
        scores = model.predict_proba(x_test)[:, 1]
        results[name] = {
            "auc_roc": round(float(roc_auc_score(labels[test], scores)), 4),
            "average_precision": round(float(average_precision_score(labels[test], scores)), 4),
            "card_precision_at_100": round(
                card_precision_at_k(day[test], frame["account"].to_numpy()[test], labels[test], scores), 4
            ),
            "seconds": round(time.perf_counter() - started, 1),
        }
    print(
        json.dumps(
            {
                "rows": int(len(frame)),
                "fraud_rate": round(float(labels.mean()), 6),
                "train": {"rows": int(train.sum()), "frauds": int(labels[train].sum())},
                "test": {"rows": int(test.sum()), "frauds": int(labels[test].sum())},
                "models": results,
                "seconds": round(time.perf_counter() - began, 1),
                "features_seconds": round(features_seconds, 1),
                # CPU of all the process's threads: what the run costs, whatever the machine's load
                "cpu_seconds": round(sum(getattr(resource.getrusage(resource.RUSAGE_SELF), f) for f in ("ru_utime", "ru_stime")), 1),
                "versions": {
                    "python": platform.python_version(),
                    "numpy": np.__version__,
                    "pandas": pd.__version__,
                    "scikit-learn": sklearn.__version__,
                    "xgboost": xgboost.__version__,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
