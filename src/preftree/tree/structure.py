"""A fitted tree as plain arrays: what predictions, explanations, JSON files and plots all read.

Keeping our own copy of the structure (rather than only scikit-learn's ``Tree`` object) lets a tree
loaded from JSON predict exactly like the fitted one, with no pickle and no private sklearn API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LEAF", "TreeStructure"]

LEAF = -1


@dataclass(frozen=True)
class TreeStructure:
    """Binary tree arrays, indexed by node id; node 0 is the root.

    ``class_counts[node]`` are the (weighted) training counts of each class reaching the node;
    ``feature[node] == LEAF`` marks a leaf. A sample goes left when ``x[feature] <= threshold``
    with ``x`` rounded to float32 first, exactly as scikit-learn does.
    """

    children_left: np.ndarray
    children_right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    class_counts: np.ndarray
    n_samples: np.ndarray
    impurity: np.ndarray

    @classmethod
    def from_sklearn(cls, tree: Any) -> TreeStructure:
        """Copy a fitted ``sklearn.tree._tree.Tree`` (``estimator.tree_``)."""
        left = np.asarray(tree.children_left, dtype=np.int64)
        is_leaf = left == -1
        feature = np.where(is_leaf, LEAF, np.asarray(tree.feature, dtype=np.int64))
        values = np.asarray(tree.value, dtype=np.float64)[:, 0, :]
        weights = np.asarray(tree.weighted_n_node_samples, dtype=np.float64)
        # scikit-learn >= 1.4 stores class fractions; older versions stored weighted counts.
        sums = values.sum(axis=1)
        counts = values * weights[:, None] if np.allclose(sums[sums > 0], 1.0) else values
        return cls(
            children_left=np.where(is_leaf, LEAF, left),
            children_right=np.where(is_leaf, LEAF, np.asarray(tree.children_right, dtype=np.int64)),
            feature=feature,
            threshold=np.where(is_leaf, np.nan, np.asarray(tree.threshold, dtype=np.float64)),
            class_counts=counts,
            n_samples=np.asarray(tree.n_node_samples, dtype=np.int64),
            impurity=np.asarray(tree.impurity, dtype=np.float64),
        )

    @property
    def node_count(self) -> int:
        return int(self.feature.shape[0])

    @property
    def n_classes(self) -> int:
        return int(self.class_counts.shape[1])

    def is_leaf(self, node: int) -> bool:
        return bool(self.feature[node] == LEAF)

    @property
    def leaves(self) -> np.ndarray:
        return np.flatnonzero(self.feature == LEAF)

    def depth(self) -> int:
        """Length of the longest root-to-leaf path (0 for a single leaf)."""
        best, stack = 0, [(0, 0)]
        while stack:
            node, level = stack.pop()
            if self.is_leaf(node):
                best = max(best, level)
            else:
                stack += [(int(self.children_left[node]), level + 1),
                          (int(self.children_right[node]), level + 1)]
        return best

    def apply(self, X: np.ndarray, max_depth: int | None = None) -> np.ndarray:
        """The leaf id each row of ``X`` lands in (vectorised, one step per tree level).

        With ``max_depth``, descent stops at that depth: the node reached is the leaf of the tree
        cut there.
        """
        X32 = np.asarray(X, dtype=np.float32)
        node = np.zeros(X32.shape[0], dtype=np.int64)
        rows = np.arange(X32.shape[0])
        active = self.feature[node] != LEAF
        level = 0
        while active.any() and (max_depth is None or level < max_depth):
            level += 1
            idx = rows[active]
            current = node[idx]
            values = X32[idx, self.feature[current]].astype(np.float64)
            go_left = values <= self.threshold[current]
            node[idx] = np.where(go_left, self.children_left[current], self.children_right[current])
            active = self.feature[node] != LEAF
        return node

    def proba(self, nodes: np.ndarray) -> np.ndarray:
        """Class probabilities at the given nodes (uniform where a node has no weight)."""
        counts = self.class_counts[nodes]
        totals = counts.sum(axis=1, keepdims=True)
        uniform = np.full_like(counts, 1.0 / self.n_classes)
        return np.divide(counts, totals, out=uniform, where=totals > 0)

    def path(self, x: np.ndarray) -> tuple[list[tuple[int, bool]], int]:
        """The internal nodes one sample passes (each with ``True`` if it went left), and its leaf."""
        x32 = np.asarray(x, dtype=np.float32)
        steps: list[tuple[int, bool]] = []
        node = 0
        while not self.is_leaf(node):
            left = float(x32[self.feature[node]]) <= self.threshold[node]
            steps.append((node, left))
            node = int(self.children_left[node] if left else self.children_right[node])
        return steps, node

    def feature_importances(self, n_features: int) -> np.ndarray:
        """Normalised total impurity decrease per feature (scikit-learn's definition)."""
        weights = self.class_counts.sum(axis=1)
        importances = np.zeros(n_features, dtype=np.float64)
        for node in np.flatnonzero(self.feature != LEAF):
            left, right = self.children_left[node], self.children_right[node]
            decrease = (weights[node] * self.impurity[node] - weights[left] * self.impurity[left]
                        - weights[right] * self.impurity[right])
            importances[self.feature[node]] += decrease
        total = importances.sum()
        return importances / total if total > 0 else importances
