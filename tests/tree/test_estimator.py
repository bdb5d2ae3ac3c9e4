"""PreferenceTree: the scikit-learn contract, preference semantics, depth selection, explanations."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from preftree import PreferenceTree

# These checks fit on class labels 0..3 or strings; PreferenceTree accepts only preferences
# (-1, 0, +1) and says so with a ValueError, by design. The behaviours they cover (fit returns
# self, params untouched, n_features_in_, sample-order and subset invariance, sample weights)
# are tested below with preference labels instead.
LABEL_CHECKS = {
    "check_classifier_data_not_an_array", "check_classifiers_classes", "check_classifiers_train",
    "check_dict_unchanged", "check_dont_overwrite_parameters", "check_dtype_object",
    "check_estimators_dtypes", "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params", "check_f_contiguous_array_estimator",
    "check_fit2d_1feature", "check_fit2d_predict1d", "check_fit_score_takes_y",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance",
    "check_n_features_in_after_fitting", "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input", "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weights_list", "check_sample_weights_not_an_array",
    "check_sample_weights_not_overwritten", "check_sample_weights_pandas_series",
    "check_sample_weights_shape", "check_supervised_y_2d",
}


def _expected_failures(estimator: PreferenceTree) -> dict[str, str]:
    return {name: "fits on non-preference labels (0..3 or strings)" for name in LABEL_CHECKS}


@parametrize_with_checks([PreferenceTree(random_state=0)], expected_failed_checks=_expected_failures)
def test_sklearn_contract(estimator: PreferenceTree, check) -> None:  # type: ignore[no-untyped-def]
    check(estimator)


def test_contract_with_preference_labels(synthetic_xy) -> None:  # type: ignore[no-untyped-def]
    X, y = synthetic_xy
    tree = PreferenceTree(random_state=0)
    params = tree.get_params()
    assert tree.fit(X, y) is tree
    assert tree.get_params() == params and tree.n_features_in_ == 3
    assert list(tree.feature_names_in_) == ["a_diff", "b_diff", "noise_diff"]
    order = np.random.default_rng(1).permutation(len(X))
    np.testing.assert_array_equal(tree.predict(X)[order], tree.predict(X.iloc[order]))
    np.testing.assert_array_equal(tree.predict_proba(X)[:50], tree.predict_proba(X.iloc[:50]))
    weighted = clone(tree).fit(X, y, sample_weight=pd.Series(np.full(len(y), 2.0)))
    np.testing.assert_array_equal(weighted.predict(X), tree.predict(X))
    with pytest.raises(ValueError, match="Unknown label type.*got 2"):
        clone(tree).fit(X, np.where(y > 0, 2, 1))
    with pytest.raises(NotFittedError):
        PreferenceTree().predict(X)


def test_recovers_a_known_rule(synthetic_xy) -> None:  # type: ignore[no-untyped-def]
    X, y = synthetic_xy
    tree = PreferenceTree(max_depth=2, random_state=0).fit(X, y)
    structure = tree.structure_
    splits = {(int(f), round(float(t), 1)) for f, t in zip(structure.feature, structure.threshold)
              if f >= 0}
    assert {(0, 0.5), (1, 0.0)} <= splits  # a_diff at 0.5 and b_diff at 0, whichever is the root
    assert tree.feature_importances_[2] < 0.05
    assert tree.classes_.tolist() == [-1, 1]
    assert np.mean(tree.predict(X) == y) > 0.85


def test_ties_dropped_or_modelled() -> None:
    X = np.array([[-2.0], [-1.0], [0.0], [0.1], [1.0], [2.0]])
    y = np.array([-1, -1, 0, 0, 1, 1])
    dropped = PreferenceTree().fit(X, y)
    assert dropped.n_ties_dropped_ == 2 and dropped.n_pairs_ == 4 and dropped.classes_.tolist() == [-1, 1]
    kept = PreferenceTree(ties="class").fit(X, y)
    assert kept.classes_.tolist() == [-1, 0, 1] and kept.predict([[0.05]]).tolist() == [0]
    with pytest.raises(ValueError, match="all 2 preferences are ties"):
        PreferenceTree().fit(X[2:4], y[2:4])


def test_symmetric_fit_is_order_free(synthetic_xy) -> None:  # type: ignore[no-untyped-def]
    X, y = synthetic_xy
    tree = PreferenceTree(symmetric=True, max_depth=4, random_state=0).fit(X, y)
    p = tree.prob_response_2(X)
    p_mirrored = tree.prob_response_2(-X)
    # Mirrored pairs are in the training set, so swapping the order flips the probability up to
    # how split thresholds fall between a value and its negative.
    assert np.mean(np.abs(p + p_mirrored - 1) < 1e-9) > 0.9


def test_auto_depth_uses_one_se_rule(synthetic_xy) -> None:  # type: ignore[no-untyped-def]
    X, y = synthetic_xy
    tree = PreferenceTree(max_depth="auto", random_state=0).fit(X, y)
    assert set(tree.depth_scores_) == set(range(1, 7))
    assert 2 <= tree.depth_ <= 6
    assert tree.depth_scores_[tree.depth_] >= max(tree.depth_scores_.values()) - 0.05
    with pytest.raises(ValueError, match="max_depth must be"):
        PreferenceTree(max_depth=0).fit(X, y)


def test_explain_reads_the_decision_path(synthetic_xy) -> None:  # type: ignore[no-untyped-def]
    X, y = synthetic_xy
    tree = PreferenceTree(max_depth=2, random_state=0).fit(X, y)
    probe = pd.DataFrame([[1.2, -0.3, 0.0]], columns=X.columns)
    [text] = tree.explain(probe)
    assert re.match(r"response_2 is not rated higher on b by more than [-\d.e]+ \(b_diff = -0\.3 ≤ "
                    r"[-\d.e]+\) → response_2 is rated higher on a by more than 0\.5\d* \(a_diff = "
                    r"1\.2 > 0\.5\d*\) → P\(response_2 better\) = ", text), text
    leaf = tree.apply(probe)[0]
    n = tree.structure_.n_samples[leaf]
    p = tree.predict_proba(probe)[0, 1]
    assert text.endswith(f"→ P(response_2 better) = {p:.2f} (n = {n})")
    text = tree.export_text()
    assert "# a_diff <= 0.5" in text and "# b_diff <= 0" in text  # every condition as a formula
    assert "if response_2 is not rated higher on a by more than 0.5" in text  # ...and in words


def test_bootstrap_importances_and_cross_validation(synthetic_xy) -> None:  # type: ignore[no-untyped-def]
    X, y = synthetic_xy
    tree = PreferenceTree(random_state=0).fit(X, y)
    table = tree.bootstrap_importances(X, y, n=30, random_state=0)
    assert set(table["feature"].tolist()[:2]) == {"a_diff", "b_diff"}
    assert table.set_index("feature").loc["noise_diff", "ci_low"] < 0.05
    assert (table["ci_low"] <= table["mean"]).all() and (table["mean"] <= table["ci_high"]).all()
    assert table["mean"].sum() == pytest.approx(1.0)
    again = tree.bootstrap_importances(X, y, n=30, random_state=0)
    pd.testing.assert_frame_equal(table, again)
    report = tree.cross_validate(X, y)
    assert report.accuracy > report.majority_baseline + 0.1
    assert report.accuracy_ci[0] < report.accuracy < report.accuracy_ci[1]
    assert report.best_single_feature["feature"] in ("a_diff", "b_diff")
    assert report.best_single_feature["accuracy"] < report.accuracy
