"""The prototype's per-event work with scikit-learn, timed: vigie's baseline in `npm run bench -- detectors`.

As ../shared/golden/README.md describes the prototype: for each new value, once `window` values
have arrived, fit the detector on the last `window` raw values (1-D, reshaped to (-1, 1), no
scaling) and keep the label of the newest value. The detector is refitted on every event; that
refit is the cost vigie's incremental operators avoid, so it is what is timed.

The series comes on stdin, one value per line, from bench/sklearn.ts: the same seeded series
vigie's own figure is measured on. Only the fitted events are timed and counted (the first
`window - 1` values only fill the window, which costs nothing worth measuring).

Prints one JSON object: detector, events, seconds, events_per_second and the library versions.

Run: printf '50\\n51\\n...' | python bench/sklearn_baseline.py --detector dbscan --events 10000
"""

import argparse
import json
import platform
import sys
import time
from collections import deque

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN
from sklearn.ensemble import IsolationForest


def newest_label(detector: str, window: np.ndarray, seed: int) -> int:
    """Fits a fresh detector on the window, as the prototype did, and labels the newest value."""
    if detector == "dbscan":
        return int(DBSCAN(eps=0.5, min_samples=5).fit_predict(window)[-1])
    forest = IsolationForest(n_estimators=100, random_state=seed).fit(window)
    return int(forest.predict(window[-1:])[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector", choices=["dbscan", "isolation-forest"], required=True)
    parser.add_argument("--events", type=int, required=True, help="fitted events to time")
    parser.add_argument("--window", type=int, default=21)
    parser.add_argument("--seed", type=int, default=1, help="IsolationForest's random_state")
    args = parser.parse_args()

    values = [float(line) for line in sys.stdin if line.strip()]
    needed = args.events + args.window - 1
    if len(values) < needed:
        sys.exit(f"sklearn_baseline: {needed} values needed on stdin, got {len(values)}")

    recent: deque = deque(maxlen=args.window)
    anomalies = 0
    started = time.perf_counter()
    for value in values[:needed]:
        recent.append(value)
        if len(recent) < args.window:
            continue
        window = np.array(recent).reshape(-1, 1)
        anomalies += newest_label(args.detector, window, args.seed) == -1
    seconds = time.perf_counter() - started

    print(json.dumps({
        "detector": args.detector,
        "events": args.events,
        "anomalies": anomalies,
        "seconds": seconds,
        "events_per_second": args.events / seconds,
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
    }))


if __name__ == "__main__":
    main()
