"""Cross-validated accuracy next to the baselines a tree must beat to be worth reading."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import clone

from .._threads import parallel_map
from ._folds import fold_indices
from .importance import prepared_training_data

if TYPE_CHECKING:
    from .estimator import PreferenceTree

__all__ = ["NEAR_CONSTANT_SHARE", "CVReport", "cross_validate", "near_constant_features",
           "sign_rule_predict", "wilson_interval"]


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95% Wilson score interval for a proportion (well-behaved near 0 and 1 and for small n).

    >>> [round(v, 3) for v in wilson_interval(80, 100)]
    [0.711, 0.867]
    """
    if n == 0:
        return (float("nan"), float("nan"))
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def sign_rule_predict(values: np.ndarray, direction: int, fallback: int) -> np.ndarray:
    """Predict +1 where ``direction * Δ > 0``, −1 where < 0, ``fallback`` where Δ = 0.

    >>> sign_rule_predict(np.array([2.0, -1.0, 0.0]), 1, -1).tolist()
    [1, -1, -1]
    """
    signs = np.sign(direction * values).astype(np.int64)
    return np.where(signs == 0, fallback, signs)


def _majority(labels: np.ndarray) -> int:
    values, counts = np.unique(labels, return_counts=True)
    return int(values[np.argmax(counts)])


@dataclass
class CVReport:
    """Out-of-fold accuracies (fractions in [0, 1]) of the tree and its baselines."""

    n_pairs: int
    folds: int
    accuracy: float
    accuracy_ci: tuple[float, float]
    fold_accuracies: list[float]
    majority_baseline: float
    best_single_feature: dict[str, Any]
    single_feature_accuracies: dict[str, float] = field(default_factory=dict)
    near_constant: list[str] = field(default_factory=list)

    @property
    def beats_majority(self) -> bool:
        """The accuracy's 95% interval lies above the majority baseline."""
        return bool(self.accuracy_ci[0] > self.majority_baseline)

    @property
    def beats_best_single_feature(self) -> bool:
        """The accuracy's 95% interval lies above the best single feature's accuracy."""
        best = self.best_single_feature.get("accuracy")
        return bool(best is None or not math.isfinite(best) or self.accuracy_ci[0] > best)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "beats_majority": self.beats_majority,
                "beats_best_single_feature": self.beats_best_single_feature}


NEAR_CONSTANT_SHARE = 0.95
"""A feature whose difference takes one value on at least this share of the pairs is too nearly
constant to be a baseline: its sign rule mostly falls back to the majority."""


def near_constant_features(matrix: np.ndarray, names: list[str]) -> list[str]:
    """Features whose most common value covers at least :data:`NEAR_CONSTANT_SHARE` of the rows."""
    out = []
    for j, name in enumerate(names):
        _, counts = np.unique(matrix[:, j], return_counts=True)
        if counts.max() >= NEAR_CONSTANT_SHARE * len(matrix):
            out.append(name)
    return out


def cross_validate(tree: PreferenceTree, X: Any, y: Any, *, cv: int | None = None,
                   random_state: int | None = None, sample_weight: Any = None) -> CVReport:
    """k-fold out-of-fold accuracy of ``tree``'s settings, with the two baselines scored on the same folds.

    - *majority*: always predict the training fold's most common preference;
    - *single feature*: the sign rule ``sign(Δ)`` of one feature, its direction (more is better or
      worse) learned on the training fold; ties in Δ get the training majority. The best feature
      by out-of-fold accuracy is reported.
    With ``max_depth="auto"`` the depth is re-selected inside every training fold (nested CV), so
    the figure is not biased by the selection. Near-constant features (see
    :data:`NEAR_CONSTANT_SHARE`) are scored but cannot be the best single feature. With
    ``sample_weight`` (soft labels) the trees are fitted with the weights; accuracy counts pairs.
    """
    matrix, labels, weights = prepared_training_data(tree, X, y, sample_weight)
    folds = fold_indices(matrix, labels, cv or tree.cv, random_state if random_state is not None
                         else tree.random_state)
    names = tree.feature_names_
    tree_hits = np.zeros(len(labels), dtype=bool)
    majority_hits = np.zeros(len(labels), dtype=bool)
    feature_hits = np.zeros((len(labels), len(names)), dtype=bool)

    def score(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
        """One fold: the tree's hits on its test pairs, the majority, the sign rules' hits."""
        model = clone(tree).set_params(n_jobs=1).fit(
            matrix[train], labels[train], None if weights is None else weights[train])
        hits = model.predict(matrix[test]) == labels[test]
        majority = _majority(labels[train])
        rules = np.zeros((len(test), len(names)), dtype=bool)
        for j in range(len(names)):
            train_pos = np.mean(sign_rule_predict(matrix[train, j], 1, majority) == labels[train])
            train_neg = np.mean(sign_rule_predict(matrix[train, j], -1, majority) == labels[train])
            direction = 1 if train_pos >= train_neg else -1
            rules[:, j] = sign_rule_predict(matrix[test, j], direction, majority) == labels[test]
        return test, hits, majority, rules

    fold_accuracies = []
    for test, fold_hits, majority, rules in parallel_map(score, folds, tree.n_jobs):  # folds on threads
        tree_hits[test] = fold_hits
        fold_accuracies.append(float(fold_hits.mean()))
        majority_hits[test] = labels[test] == majority
        feature_hits[test] = rules
    single = {name: float(feature_hits[:, j].mean()) for j, name in enumerate(names)}
    constant = near_constant_features(matrix, names)
    eligible = [name for name in names if name not in constant] or names
    best = max(eligible, key=lambda k: single[k])
    best_direction = 1 if np.mean(sign_rule_predict(matrix[:, names.index(best)], 1, 0)
                                  == labels) >= 0.5 else -1
    hits = int(tree_hits.sum())
    return CVReport(
        n_pairs=int(len(labels)),
        folds=len(folds),
        accuracy=hits / len(labels),
        accuracy_ci=wilson_interval(hits, len(labels)),
        fold_accuracies=fold_accuracies,
        majority_baseline=float(majority_hits.mean()),
        best_single_feature={"feature": best, "accuracy": single[best],
                             "direction": "higher is better" if best_direction > 0 else "lower is better"},
        single_feature_accuracies=single,
        near_constant=constant,
    )
