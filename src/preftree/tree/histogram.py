"""Histogram refits: fast feature importances for bootstrap resamples of large pair sets.

Features are binned once (each distinct value its own bin when a feature has at most
``max_bins`` of them, else quantile bins); a refit then finds every node's best split from
weighted class histograms, one ``np.bincount`` per tree level, instead of re-sorting the samples
at every node. With at most ``max_bins`` distinct values per feature (ratings, counts, most
preference features) the candidate splits are exactly scikit-learn's, so the importances are the
same; beyond that, thresholds are restricted to quantile edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import xlogy

__all__ = ["BinnedFeatures", "bin_features", "histogram_importances"]


@dataclass(frozen=True)
class BinnedFeatures:
    """Bin codes (k × n: a feature's codes contiguous, as each histogram reads them), the largest
    bin count, and whether every feature got one bin per value."""

    codes: np.ndarray
    n_bins: int
    exact: bool


def bin_features(X: np.ndarray, max_bins: int = 256) -> BinnedFeatures:
    """Bin every column; code ``b`` means ``x <= edge[b]`` for the column's sorted edges."""
    X = np.asarray(X, dtype=np.float32)
    codes = np.empty(X.shape[::-1], dtype=np.int16 if max_bins < 2 ** 15 else np.int64)  # 4× less memory per refit
    exact = True
    n_bins = 1
    for j in range(X.shape[1]):
        column = X[:, j]
        distinct = np.unique(column)
        if len(distinct) <= max_bins:
            edges = distinct
        else:
            exact = False
            edges = np.unique(np.quantile(column, np.linspace(0, 1, max_bins + 1)[1:]))
        codes[j] = np.searchsorted(edges, column, side="left")
        n_bins = max(n_bins, len(edges))
    return BinnedFeatures(codes, n_bins, exact)


def _entropy(counts: np.ndarray) -> np.ndarray:
    """Entropy (bits) of class counts along the last axis; 0 for empty nodes."""
    totals = counts.sum(axis=-1, keepdims=True)
    safe = np.where(totals > 0, totals, 1.0)
    p = counts / safe
    return -(xlogy(p, p) / np.log(2.0)).sum(axis=-1)


def _level_histograms(codes: np.ndarray, node: np.ndarray, y: np.ndarray, w: np.ndarray, n_nodes: int,
                      bins: int, n_classes: int, with_counts: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Weighted (node, feature, bin, class) histograms of the given rows, and their row counts
    when asked: one ``np.bincount`` per feature, memory of a few columns, not of n × k keys."""
    k = codes.shape[0]
    per_feature = bins * n_classes
    hist = np.empty((n_nodes, k, bins, n_classes))
    counts = np.empty((n_nodes, k, bins, n_classes)) if with_counts else None
    node_class = node * per_feature + y
    size = n_nodes * per_feature
    for j in range(k):
        keys = codes[j].astype(np.int64)  # int16 codes: widen before adding
        keys *= n_classes
        keys += node_class
        hist[:, j] = np.bincount(keys, weights=w, minlength=size).reshape(n_nodes, bins, n_classes)
        if counts is not None:
            counts[:, j] = np.bincount(keys, minlength=size).reshape(n_nodes, bins, n_classes)
    return hist, counts


def histogram_importances(binned: BinnedFeatures, y_index: np.ndarray, weights: np.ndarray,
                          max_depth: int, n_classes: int, *, min_samples_leaf: int = 1,
                          subtract: bool = True) -> np.ndarray:
    """Normalised impurity-decrease importances of a depth-``max_depth`` entropy tree.

    ``y_index`` holds class indices 0..n_classes-1; ``weights`` are sample weights (bootstrap
    draw counts). Only samples in nodes that still split are carried to the next level. As in
    scikit-learn, a split must leave at least ``min_samples_leaf`` samples on each side, counting
    each sample with a non-zero weight once (not by its weight).

    With whole-number weights (draw counts) every histogram sum is exact, so below the root only
    the smaller child of each split is counted and its sibling is its parent's histogram minus it
    (the same numbers, half the rows or fewer per level); other weights, or ``subtract=False``,
    count every child.
    """
    keep = np.flatnonzero(weights > 0)  # rows taken by index: a boolean mask copies 2-D rows slowly
    codes = np.take(binned.codes, keep, axis=1)
    w = weights[keep]
    y = y_index[keep].astype(np.int64)
    k, n = codes.shape
    bins = binned.n_bins
    whole = subtract and bool(np.all(w == np.floor(w))) and float(w.sum()) < 2.0 ** 52  # sums exact
    node = np.zeros(n, dtype=np.int64)
    importances = np.zeros(k, dtype=np.float64)
    n_nodes = 1
    hist, counts = _level_histograms(codes, node, y, w, 1, bins, n_classes, min_samples_leaf > 1)
    for level in range(max_depth):
        left = np.cumsum(hist, axis=2)
        if counts is not None:
            n_left = np.cumsum(counts.sum(-1), axis=2)
            n_right = n_left[:, :, -1:] - n_left
            big_enough = (n_left >= min_samples_leaf) & (n_right >= min_samples_leaf)
        else:
            big_enough = True
        total = left[:, :1, -1:, :]
        # the bins after each one, summed apart (not total − left, whose rounding leaves −1e-13 and a
        # NaN entropy where soft weights put nothing on the right)
        right = np.zeros_like(left)
        right[:, :, :-1] = np.cumsum(hist[:, :, :0:-1], axis=2)[:, :, ::-1]
        w_left, w_right, w_total = left.sum(-1), right.sum(-1), total.sum(-1)
        gain = w_total * _entropy(total) - w_left * _entropy(left) - w_right * _entropy(right)
        flat = np.where((w_left > 0) & (w_right > 0) & big_enough, gain, -np.inf).reshape(n_nodes, -1)
        best = np.argmax(flat, axis=1)
        best_gain = flat[np.arange(n_nodes), best]
        splits = best_gain > 1e-12
        if not splits.any():
            break
        best_feature, best_bin = best // bins, best % bins
        np.add.at(importances, best_feature[splits], best_gain[splits])
        if level + 1 == max_depth:
            break
        rank = np.cumsum(splits) - 1  # children of the r-th splitting node: 2r (left), 2r+1
        moving = np.flatnonzero(splits[node])
        if len(moving) < len(node):
            node, codes, w, y = node[moving], np.take(codes, moving, axis=1), w[moving], y[moving]
        go_left = codes[best_feature[node], np.arange(len(node))] <= best_bin[node]
        node = 2 * rank[node] + (~go_left)
        n_nodes = 2 * int(splits.sum())
        if not whole:
            hist, counts = _level_histograms(codes, node, y, w, n_nodes, bins, n_classes, counts is not None)
            continue
        rows = np.bincount(node, minlength=n_nodes)
        small = np.where(rows[0::2] <= rows[1::2], np.arange(0, n_nodes, 2), np.arange(1, n_nodes, 2))
        counted = np.zeros(n_nodes, dtype=bool)
        counted[small] = True
        chosen = np.flatnonzero(counted[node])
        child_hist, child_counts = _level_histograms(np.take(codes, chosen, axis=1), node[chosen], y[chosen],
                                                     w[chosen], n_nodes, bins, n_classes, counts is not None)
        parents = np.flatnonzero(splits)  # the r-th splitting node is the parent of children 2r, 2r+1
        child_hist[small ^ 1] = hist[parents] - child_hist[small]
        if counts is not None and child_counts is not None:
            child_counts[small ^ 1] = counts[parents] - child_counts[small]
        hist, counts = child_hist, child_counts
    total_gain = importances.sum()
    return importances / total_gain if total_gain > 0 else importances
