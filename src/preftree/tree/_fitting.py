"""The fitting primitives shared by the estimator, its bootstrap and its cross-validation.

Free functions over a fitted or unfitted :class:`~preftree.tree.estimator.PreferenceTree`'s
parameters, so :mod:`.importance` and :mod:`.validation` need not reach into the estimator's
private methods, and nothing here imports the estimator back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from ..errors import InputError

if TYPE_CHECKING:
    from .estimator import PreferenceTree

__all__ = ["PREFERENCES", "check_preferences", "fit_sklearn_tree", "leaf_size", "mirror_pairs"]

PREFERENCES = (-1, 0, 1)


def check_preferences(y: Any) -> np.ndarray:
    """Validate preference labels: -1 = response_1 better, 0 = no preference, +1 = response_2 better."""
    array = np.asarray(y)
    if array.ndim != 1:
        raise InputError(f"preferences must be one-dimensional, got shape {array.shape}")
    try:
        numeric = array.astype(np.float64)
    except (TypeError, ValueError):
        bad = sorted({repr(v) for v in array.tolist()})[:5]
        raise InputError(f"Unknown label type: preferences must be -1, 0 or +1; got "
                         f"{', '.join(bad)} (convert other label formats with "
                         "preftree.data.parse_labels)") from None
    invalid = ~np.isin(numeric, PREFERENCES)
    if invalid.any():
        bad = sorted({repr(v) for v in array[invalid].tolist()})[:5]
        raise InputError(f"Unknown label type: preferences must be -1, 0 or +1; got "
                         f"{', '.join(bad)} (convert other label formats with "
                         "preftree.data.parse_labels)")
    return numeric.astype(np.int64)


def leaf_size(min_samples_leaf: int | float, n_rows: int) -> int:
    """``min_samples_leaf`` as a count: an int as is, a float in (0, 1) as a fraction of the rows
    (rounded up), as scikit-learn reads it.

    >>> leaf_size(5, 1000), leaf_size(0.01, 1234)
    (5, 13)
    """
    if isinstance(min_samples_leaf, float) and min_samples_leaf < 1:
        return max(1, int(np.ceil(min_samples_leaf * n_rows)))
    return int(min_samples_leaf)


def mirror_pairs(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                 symmetric: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Add every pair mirrored (−Δ, flipped label) when ``symmetric``; else return the input."""
    if not symmetric:
        return X, y, weights
    mirrored_weights = None if weights is None else np.concatenate([weights, weights])
    return np.vstack([X, -X]), np.concatenate([y, -y]), mirrored_weights


def fit_sklearn_tree(params: PreferenceTree, X: np.ndarray, y: np.ndarray, depth: int,
                     weights: np.ndarray | None = None) -> DecisionTreeClassifier:
    """One scikit-learn tree of ``depth`` with ``params``' criterion, leaf size, seed and symmetry."""
    X_fit, y_fit, w_fit = mirror_pairs(X, y, weights, params.symmetric)
    tree = DecisionTreeClassifier(criterion=params.criterion, max_depth=depth,
                                  min_samples_leaf=params.min_samples_leaf,
                                  random_state=params.random_state)
    return tree.fit(X_fit, y_fit, sample_weight=w_fit)
