"""Bootstrap feature importances: how stable is the tree's story across resamples of the pairs?"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .._threads import map_drawn
from ..errors import ConfigError, InputError
from ._fitting import check_preferences, fit_sklearn_tree, leaf_size, mirror_pairs
from .histogram import bin_features, histogram_importances

if TYPE_CHECKING:
    from .estimator import PreferenceTree

__all__ = ["bootstrap_importances", "prepared_training_data"]


def prepared_training_data(tree: PreferenceTree, X: Any, y: Any, sample_weight: Any = None
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``X`` as float32, ``y`` as preferences and the sample weights (or ``None``), ties handled as
    the fitted tree handles them."""
    check_is_fitted(tree, "structure_")
    frame = X if isinstance(X, pd.DataFrame) else None
    if frame is not None and hasattr(tree, "feature_names_in_"):
        missing = [c for c in tree.feature_names_in_ if c not in frame.columns]
        if missing:
            raise InputError(f"X lacks the tree's features {missing}")
        frame = frame[list(tree.feature_names_in_)]
    matrix = np.ascontiguousarray((frame if frame is not None else X), dtype=np.float32)
    labels = check_preferences(y)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if tree.ties == "drop":
        keep = labels != 0
        matrix, labels = matrix[keep], labels[keep]
        weights = None if weights is None else weights[keep]
    return matrix, labels, weights


def bootstrap_importances(tree: PreferenceTree, X: Any, y: Any, n: int = 100, *,
                          random_state: int | None = None, n_jobs: int | None = None,
                          method: Literal["auto", "exact", "histogram"] = "auto",
                          sample_weight: Any = None,
                          groups: Sequence[Sequence[str]] = ()) -> pd.DataFrame:
    """Refit ``n`` times on bootstrap resamples of the pairs at the fitted depth.

    A resample is expressed as integer sample weights (how often each pair was drawn), which is the
    same fit as copying the drawn rows without the copy. ``method="exact"`` refits scikit-learn
    trees; ``"histogram"`` uses :mod:`preftree.tree.histogram` (identical importances when every
    feature has at most 256 distinct values, quantile-binned beyond); ``"auto"`` takes the histogram
    refits when they are identical or when there are 20,000 pairs or more.
    Returns one row per feature with ``feature, mean, std, ci_low, ci_high`` (2.5th and 97.5th
    percentiles) and the fitted tree's own importance, most important first. ``sample_weight``
    (soft labels) multiplies every resample's draw counts. Each of ``groups`` (near-duplicate
    features, which trade importance between refits) adds a row ``a + b`` of their summed
    importance, whose interval means something when the members' do not; ``group`` names the
    group of every member row.
    """
    if n < 1:
        raise ConfigError(f"n must be >= 1, got {n}")
    matrix, labels, weights = prepared_training_data(tree, X, y, sample_weight)
    rng = np.random.default_rng(random_state if random_state is not None else tree.random_state)
    size = len(labels)

    def draw() -> np.ndarray:  # drawn in order, so the resamples do not depend on the threads
        counts = np.bincount(rng.integers(0, size, size), minlength=size).astype(np.float64)
        return counts if weights is None else counts * weights

    X_fit, y_fit, _ = mirror_pairs(matrix, labels, None, tree.symmetric)
    mirrored = len(y_fit) // size
    binned = bin_features(X_fit) if method != "exact" else None
    use_histogram = method == "histogram" or (
        method == "auto" and binned is not None and (binned.exact or size >= 20_000)
        and tree.criterion in ("log_loss", "entropy"))
    classes = np.unique(y_fit)
    class_index = np.searchsorted(classes, y_fit)  # the same for every refit

    def refit(weights: np.ndarray) -> np.ndarray:
        if use_histogram:
            assert binned is not None
            return histogram_importances(binned, class_index, np.tile(weights, mirrored),
                                         tree.depth_, len(classes),
                                         min_samples_leaf=leaf_size(tree.min_samples_leaf,
                                                                    len(y_fit)))
        fitted = fit_sklearn_tree(tree, matrix, labels, tree.depth_, weights)
        return fitted.feature_importances_

    jobs = n_jobs if n_jobs is not None else tree.n_jobs
    refits = map_drawn(refit, draw, n, jobs)
    samples = np.vstack(refits)
    names = list(tree.feature_names_)
    fitted = np.asarray(tree.feature_importances_)
    labels_of = {name: "" for name in names}
    columns, rows, own = [samples], list(names), [fitted]
    for group in groups:
        members = [names.index(f) for f in group if f in names]
        if len(members) < 2:
            continue
        label = " + ".join(names[m] for m in members)
        for m in members:
            labels_of[names[m]] = label
        columns.append(samples[:, members].sum(axis=1, keepdims=True))
        rows.append(label)
        own.append(fitted[members].sum(keepdims=True))
    every = np.hstack(columns)
    table = pd.DataFrame({
        "feature": rows,
        "mean": every.mean(axis=0),
        "std": every.std(axis=0, ddof=1) if n > 1 else np.zeros(every.shape[1]),
        "ci_low": np.percentile(every, 2.5, axis=0),
        "ci_high": np.percentile(every, 97.5, axis=0),
        "fitted": np.concatenate(own),
        "group": [labels_of.get(r, r) for r in rows],
        "kind": ["feature"] * len(names) + ["group"] * (len(rows) - len(names)),
    })
    return table.sort_values("mean", ascending=False, kind="stable").reset_index(drop=True)
