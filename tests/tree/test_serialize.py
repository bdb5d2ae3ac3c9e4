"""JSON round trip, pickle refusal, trusted import of a pickled scikit-learn tree."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from preftree import PreferenceTree, UntrustedPickleError
from preftree.errors import FormatError, InputError


def test_json_round_trip_gives_identical_predictions(tmp_path: Path, synthetic_xy) -> None:  # type: ignore[no-untyped-def]
    X, y = synthetic_xy
    tree = PreferenceTree(max_depth=4, random_state=0).fit(X, y)
    tree.save(tmp_path / "tree.json", metadata={"features": ["columns:a,b"]})
    data = json.loads((tmp_path / "tree.json").read_text())
    assert data["format"] == "preftree.PreferenceTree" and data["feature_names"][0] == "a_diff"
    assert data["metadata"]["features"] == ["columns:a,b"] and "scikit-learn" in data["metadata"]["versions"]
    loaded = PreferenceTree.load(tmp_path / "tree.json")
    probe = X + np.random.default_rng(3).normal(scale=1e-3, size=X.shape)
    np.testing.assert_array_equal(loaded.predict_proba(probe), tree.predict_proba(probe))
    np.testing.assert_array_equal(loaded.predict_proba(probe), tree.estimator_.predict_proba(probe.to_numpy()))
    assert loaded.export_text() == tree.export_text()
    np.testing.assert_allclose(loaded.feature_importances_, tree.estimator_.feature_importances_)


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(FormatError, match="not a preftree tree"):
        PreferenceTree.load(tmp_path / "x.json")
    (tmp_path / "t.pkl").write_bytes(b"\x80\x04junk")
    with pytest.raises(InputError, match="trust_pickle"):
        PreferenceTree.load(tmp_path / "t.pkl")


def _pickled_seed_tree(path: Path) -> tuple[DecisionTreeClassifier, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)  # the seed's classes: 0 = response_1, 1 = response_2
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    path.write_bytes(pickle.dumps(model))
    return model, X


def test_pickle_is_refused_without_trust(tmp_path: Path) -> None:
    _pickled_seed_tree(tmp_path / "decision_tree.pkl")
    with pytest.raises(UntrustedPickleError, match="trust_pickle=True"):
        PreferenceTree.from_pickle(tmp_path / "decision_tree.pkl")


def test_trusted_pickle_converts_to_json(tmp_path: Path) -> None:
    model, X = _pickled_seed_tree(tmp_path / "decision_tree.pkl")
    names = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]
    tree = PreferenceTree.from_pickle(tmp_path / "decision_tree.pkl", trust_pickle=True,
                                      feature_names=names)
    assert tree.classes_.tolist() == [-1, 1]
    np.testing.assert_array_equal(tree.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(tree.predict(X), np.where(model.predict(X) == 1, 1, -1))
    tree.save(tmp_path / "converted.json")
    again = PreferenceTree.load(tmp_path / "converted.json")
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    with pytest.raises(InputError, match="no feature names"):
        PreferenceTree.from_pickle(tmp_path / "decision_tree.pkl", trust_pickle=True)


def test_a_loaded_tree_and_a_fitted_one_expose_the_same_attributes(tmp_path, synthetic_xy):
    """Learned state comes from fit or a loader, never patched on from outside: both give the
    same attributes, metadata included."""
    from preftree import PreferenceTree

    X, y = synthetic_xy
    fitted = PreferenceTree(max_depth=2, random_state=0).fit(X, y, metadata={"judge": "j"})
    fitted.save(tmp_path / "t.json")
    loaded = PreferenceTree.load(tmp_path / "t.json")

    def learned(tree):
        return {k for k in vars(tree) if k.endswith("_") and not k.startswith("_")}

    assert learned(fitted) == learned(loaded)
    assert loaded.metadata_["judge"] == fitted.metadata_["judge"] == "j"
