"""Fold splitting and parallel fitting shared by depth selection, cross-validation and bootstrap."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import KFold, StratifiedKFold, check_cv

from ..errors import InputError

__all__ = ["fold_indices", "parallel_map"]

T = TypeVar("T")


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


def parallel_map(function: Callable[..., T], argument_lists: Iterable[Sequence[object]],
                 n_jobs: int | None) -> list[T]:
    """Run ``function(*args)`` for each argument list on threads.

    scikit-learn's tree builder releases the GIL, so threads scale without copying the data to
    worker processes.
    """
    jobs = [delayed(function)(*args) for args in argument_lists]
    if n_jobs == 1:
        return [f(*a, **k) for f, a, k in jobs]
    import os

    cap = 4 * (os.cpu_count() or 1)  # threads beyond the cores only queue (and can exhaust limits)
    n_jobs = min(n_jobs, cap) if n_jobs is not None and n_jobs > 0 else n_jobs
    return list(Parallel(n_jobs=n_jobs, prefer="threads")(jobs))
