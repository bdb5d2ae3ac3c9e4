"""Histogram refits against scikit-learn, and depth selection by truncating the deepest tree."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from preftree import PreferenceTree
from preftree.tree.histogram import bin_features, histogram_importances
from preftree.tree.structure import TreeStructure


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_histogram_importances_equal_sklearn_on_discrete_features(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.integers(-4, 5, size=(3000, 5)).astype(float)  # rating differences: 9 values
    y = np.where(X[:, 0] + 0.5 * X[:, 1] - 0.3 * X[:, 2] + rng.normal(size=3000) > 0, 1, 0)
    binned = bin_features(X)
    assert binned.exact
    weights = np.bincount(rng.integers(0, 3000, 3000), minlength=3000).astype(float)
    expected = DecisionTreeClassifier(criterion="log_loss", max_depth=4, random_state=0).fit(
        X, y, sample_weight=weights).feature_importances_
    np.testing.assert_allclose(histogram_importances(binned, y, weights, 4, 2), expected, atol=1e-12)


def test_histogram_keys_do_not_overflow_on_deep_trees_with_many_bins() -> None:
    """Bin codes are int16; a deep tree's node × bin × class keys pass 2**15 and must widen first."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(6000, 3)).astype(float)  # 256 distinct values per feature
    y = np.digitize(X[:, 0] + X[:, 1] / 2 + rng.normal(scale=40, size=6000), [60, 120, 180, 240])  # 5 classes
    binned = bin_features(X)
    assert binned.exact and binned.n_bins == 256
    weights = np.bincount(rng.integers(0, 6000, 6000), minlength=6000).astype(float)
    expected = DecisionTreeClassifier(criterion="log_loss", max_depth=6, random_state=0).fit(
        X, y, sample_weight=weights).feature_importances_  # level 5: 32 nodes × 256 bins × 5 > 2**15
    got = histogram_importances(binned, y.astype(np.int64), weights, 6, 5)
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_bootstrap_methods_agree_on_discrete_features() -> None:
    rng = np.random.default_rng(5)
    X = rng.integers(-3, 4, size=(800, 4)).astype(float)
    y = np.where(X[:, 0] - X[:, 3] + rng.normal(size=800) > 0, 1, -1)
    tree = PreferenceTree(random_state=0).fit(X, y)
    exact = tree.bootstrap_importances(X, y, n=20, random_state=0, method="exact")
    fast = tree.bootstrap_importances(X, y, n=20, random_state=0, method="histogram")
    np.testing.assert_allclose(fast["mean"], exact["mean"], atol=1e-9)


@pytest.mark.parametrize("min_samples_leaf", [5, 40, 150])
def test_histogram_honours_min_samples_leaf(min_samples_leaf: int) -> None:
    """Before the fix the histogram refits ignored the leaf size (0.823 vs 0.889 exact here)."""
    rng = np.random.default_rng(3)
    X = rng.integers(-4, 5, size=(1500, 4)).astype(float)
    y = np.where(X[:, 0] + 0.7 * X[:, 1] + rng.normal(size=1500) > 3, 1, -1)
    weights = np.bincount(rng.integers(0, 1500, 1500), minlength=1500).astype(float)
    expected = DecisionTreeClassifier(criterion="log_loss", max_depth=4, random_state=0,
                                      min_samples_leaf=min_samples_leaf).fit(
        X, y, sample_weight=weights).feature_importances_
    got = histogram_importances(bin_features(X), (y > 0).astype(np.int64), weights, 4, 2,
                                min_samples_leaf=min_samples_leaf)
    np.testing.assert_allclose(got, expected, atol=1e-12)
    tree = PreferenceTree(random_state=0, min_samples_leaf=min_samples_leaf).fit(X, y)
    exact = tree.bootstrap_importances(X, y, n=10, random_state=0, method="exact")
    fast = tree.bootstrap_importances(X, y, n=10, random_state=0, method="histogram")
    np.testing.assert_allclose(fast["mean"], exact["mean"], atol=1e-9)


def test_truncated_tree_predicts_like_a_shallower_fit() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 4)).astype(np.float32)
    y = np.where(X[:, 0] * X[:, 1] + X[:, 2] > 0, 1, -1)
    deep = TreeStructure.from_sklearn(DecisionTreeClassifier(criterion="log_loss", max_depth=6,
                                                             random_state=0).fit(X, y).tree_)
    for depth in (1, 2, 3, 4):
        shallow = DecisionTreeClassifier(criterion="log_loss", max_depth=depth, random_state=0).fit(X, y)
        truncated = deep.proba(deep.apply(X, max_depth=depth))
        np.testing.assert_allclose(truncated, shallow.predict_proba(X))


@pytest.mark.parametrize(("min_samples_leaf", "n_classes", "soft"), [(1, 2, False), (30, 2, False), (1, 3, False),
                                                                     (7, 3, False), (1, 2, True)])
def test_sibling_subtraction_gives_the_same_numbers(min_samples_leaf: int, n_classes: int, soft: bool) -> None:
    """Below the root only each split's smaller child is counted (its sibling is the parent minus
    it): with draw counts as weights the importances are bit-identical to counting every child."""
    rng = np.random.default_rng(min_samples_leaf + n_classes)
    X = np.round(rng.normal(size=(5000, 6)) * 8)
    y = np.digitize(X[:, 0] - 0.5 * X[:, 2] + rng.normal(scale=6, size=5000), [-5, 5][:n_classes - 1])
    binned = bin_features(X)
    weights = np.bincount(rng.integers(0, 5000, 5000), minlength=5000).astype(float)
    if soft:  # soft labels: not whole numbers, so every child is counted either way
        weights *= rng.uniform(0.5, 1.0, 5000)
    for depth in (1, 2, 3, 5):
        fast = histogram_importances(binned, y, weights, depth, n_classes, min_samples_leaf=min_samples_leaf)
        plain = histogram_importances(binned, y, weights, depth, n_classes, min_samples_leaf=min_samples_leaf,
                                      subtract=False)
        assert np.array_equal(fast, plain)
        expected = DecisionTreeClassifier(criterion="log_loss", max_depth=depth, random_state=0,
                                          min_samples_leaf=min_samples_leaf).fit(
            X, y, sample_weight=weights).feature_importances_
        np.testing.assert_allclose(fast, expected, atol=1e-9)


def test_soft_weights_refit_as_the_exact_method_does() -> None:
    """Soft verdicts (weights below 1): total − left left −1e-13 on the right of a node's last value,
    a NaN entropy took the argmax and every histogram refit split nothing (all importances 0)."""
    rng = np.random.default_rng(11)
    X = rng.integers(-3, 4, size=(900, 3)).astype(float)
    y = np.where(X[:, 0] + rng.normal(size=900) > 0, 1, -1)
    soft = rng.uniform(0.55, 1.0, 900)
    tree = PreferenceTree(random_state=0).fit(X, y, sample_weight=soft)
    exact = tree.bootstrap_importances(X, y, n=10, random_state=0, method="exact", sample_weight=soft)
    fast = tree.bootstrap_importances(X, y, n=10, random_state=0, method="histogram", sample_weight=soft)
    assert fast.set_index("feature")["mean"].max() > 0.5
    np.testing.assert_allclose(fast.set_index("feature")["mean"].sort_index(),
                               exact.set_index("feature")["mean"].sort_index(), atol=1e-9)
