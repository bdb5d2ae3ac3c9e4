"""Depth selection (5-fold, depths 1-6) + 100 bootstrap refits on 100,000 pairs × 10 features.

Prints preftree's time next to a naive loop (sequential fits on float64 copies of each fold and of
each bootstrap resample, as a first script would do) in one run, plus the ratio. Target: preftree
under 10 s on 2 cores.

    python benchmarks/tree_fit.py [--pairs 100000] [--features 10] [--bootstrap 100]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from preftree import PreferenceTree


def synthetic(n: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k))
    score = 1.5 * X[:, 0] + np.where(X[:, 1] > 0.5, 1.0, -0.3) + 0.4 * X[:, 2] * X[:, 3]
    y = np.where(score + rng.normal(scale=1.0, size=n) > 0, 1, -1)
    return X, y


def naive(X: np.ndarray, y: np.ndarray, n_boot: int, seed: int) -> tuple[int, np.ndarray]:
    folds = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y))
    means = []
    for depth in range(1, 7):
        scores = []
        for train, test in folds:
            model = DecisionTreeClassifier(criterion="log_loss", max_depth=depth, random_state=seed)
            model.fit(X[train].copy(), y[train])
            scores.append(np.mean(model.predict(X[test]) == y[test]))
        means.append(np.mean(scores))
    depth = int(np.argmax(means)) + 1
    rng = np.random.default_rng(seed)
    importances = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        model = DecisionTreeClassifier(criterion="log_loss", max_depth=depth, random_state=seed)
        importances.append(model.fit(X[idx], y[idx]).feature_importances_)
    return depth, np.mean(importances, axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--bootstrap", type=int, default=100)
    args = parser.parse_args()
    X, y = synthetic(args.pairs, args.features)

    start = time.perf_counter()
    naive_depth, naive_importances = naive(X, y, args.bootstrap, seed=0)
    naive_time = time.perf_counter() - start

    start = time.perf_counter()
    tree = PreferenceTree(max_depth="auto", random_state=0, n_jobs=-1).fit(X, y)
    table = tree.bootstrap_importances(X, y, n=args.bootstrap, random_state=0)
    preftree_time = time.perf_counter() - start

    print(f"{args.pairs:,} pairs x {args.features} features, 5-fold depth selection (1-6) + "
          f"{args.bootstrap} bootstrap refits, {os.cpu_count()} cores")
    print(f"{'':<10} {'seconds':>8} {'depth':>6}  top-3 features by mean importance")
    top_naive = np.argsort(-naive_importances)[:3]
    print(f"{'naive':<10} {naive_time:>8.2f} {naive_depth:>6}  {[f'x{i}' for i in top_naive]}")
    top = [f"x{int(n[1:])}" for n in table["feature"].head(3)]
    print(f"{'preftree':<10} {preftree_time:>8.2f} {tree.depth_:>6}  {top}")
    print(f"speed-up: {naive_time / preftree_time:.2f}x  (target: preftree < 10 s)")


if __name__ == "__main__":
    main()
