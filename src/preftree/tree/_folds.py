"""Fold splitting shared by depth selection and cross-validation."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, check_cv

from ..errors import InputError

__all__ = ["fold_indices"]


def fold_indices(X: np.ndarray, y: np.ndarray, cv: Any,
                 random_state: int | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffled stratified k-fold when every class has ``cv`` members, else shuffled k-fold.

    ``cv`` may also be any scikit-learn splitter or iterable of (train, test) index arrays.
    """
    if not isinstance(cv, numbers.Integral):
        return [(np.asarray(a), np.asarray(b)) for a, b in check_cv(cv, y, classifier=True).split(X, y)]
    n = len(y)
    if n < 2:
        raise InputError(f"cross-validation needs at least 2 samples, got {n}")
    _, counts = np.unique(y, return_counts=True)
    splits = min(cv, n)
    if counts.min() >= splits:
        splitter = StratifiedKFold(n_splits=splits, shuffle=True, random_state=random_state)
        return list(splitter.split(np.zeros(n), y))
    splitter = KFold(n_splits=splits, shuffle=True, random_state=random_state)
    return list(splitter.split(np.zeros(n)))
