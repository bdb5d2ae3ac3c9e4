"""PreferenceTree: a scikit-learn classifier over attribute differences that says why a judge prefers."""

from __future__ import annotations

import numbers
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.validation import check_is_fitted, validate_data

from .._threads import parallel_map
from ..errors import ConfigError, InputError
from . import importance, serialize, text, validation
from ._fitting import PREFERENCES, check_preferences, fit_sklearn_tree
from ._folds import fold_indices
from .structure import TreeStructure

__all__ = ["PREFERENCES", "PreferenceTree", "check_preferences"]


class PreferenceTree(ClassifierMixin, BaseEstimator):
    """A shallow decision tree over feature differences Δ = f(response_2) − f(response_1).

    Labels are preferences: -1 = response_1 better, +1 = response_2 better, 0 = no preference.
    ``predict_proba(X)[:, list(classes_).index(1)]`` is P(response_2 better).

    Parameters
    ----------
    max_depth : int or "auto", default=3
        Depth of the tree (the seed used 3). ``"auto"`` picks the depth in 1..``max_auto_depth`` by
        k-fold CV accuracy, taking the shallowest depth within one standard error of the best
        (the one-SE rule: prefer the simpler explanation when the data cannot tell them apart).
    criterion : {"log_loss", "gini", "entropy"}, default="log_loss"
    min_samples_leaf : int or float, default=1
    ties : {"drop", "class"}, default="drop"
        ``"drop"`` removes pairs with preference 0 before fitting (counted in ``n_ties_dropped_``);
        ``"class"`` keeps them as a third class.
    symmetric : bool, default=False
        Add each pair mirrored (−Δ, flipped label) so the fit cannot depend on presentation order.
        Off by default: when explaining a judge, a residual order preference is part of what the
        judge does, and the seed fitted raw differences. Turn it on for a tree used as a reward model.
    cv : int or CV splitter, default=5
        Folds for ``max_depth="auto"`` and :meth:`cross_validate` (an int gives shuffled,
        stratified folds seeded by ``random_state``).
    max_auto_depth : int, default=6
    random_state : int or None, default=None
    n_jobs : int or None, default=None
        Threads for depth selection, bootstrap and CV (``-1`` = all cores).
    """

    def __init__(self, *, max_depth: int | Literal["auto"] = 3, criterion: str = "log_loss",
                 min_samples_leaf: float = 1, ties: Literal["drop", "class"] = "drop",
                 symmetric: bool = False, cv: int = 5, max_auto_depth: int = 6,
                 random_state: int | None = None, n_jobs: int | None = None) -> None:
        self.max_depth = max_depth
        self.criterion = criterion
        self.min_samples_leaf = min_samples_leaf
        self.ties = ties
        self.symmetric = symmetric
        self.cv = cv
        self.max_auto_depth = max_auto_depth
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- fitting -----------------------------------------------------------------------------
    def _check_params(self) -> None:
        if self.max_depth != "auto" and not (isinstance(self.max_depth, numbers.Integral)
                                             and self.max_depth >= 1):
            raise ConfigError(f"max_depth must be a positive integer or 'auto', got {self.max_depth!r}")
        if self.ties not in ("drop", "class"):
            raise ConfigError(f"ties must be 'drop' or 'class', got {self.ties!r}")
        if isinstance(self.cv, numbers.Integral) and self.cv < 2:
            raise ConfigError(f"cv must be an integer >= 2 or a CV splitter, got {self.cv!r}")
        leaf = self.min_samples_leaf
        if isinstance(leaf, bool) or not isinstance(leaf, numbers.Real) or not (
                (isinstance(leaf, numbers.Integral) and leaf >= 1)
                or (not isinstance(leaf, numbers.Integral) and 0 < leaf < 1)):
            raise ConfigError(f"min_samples_leaf must be an integer >= 1 or a fraction in (0, 1), "
                              f"got {leaf!r}")
        seed = self.random_state
        if seed is not None and isinstance(seed, numbers.Integral) and not 0 <= seed < 2 ** 32:
            raise ConfigError(f"random_state must be in [0, 2**32 - 1], got {seed!r}")

    def _fit_tree(self, X: np.ndarray, y: np.ndarray, depth: int,
                  weights: np.ndarray | None = None) -> DecisionTreeClassifier:
        return fit_sklearn_tree(self, X, y, depth, weights)

    def _select_depth(self, X: np.ndarray, y: np.ndarray) -> tuple[int, dict[int, float]]:
        depths = list(range(1, int(self.max_auto_depth) + 1))
        folds = fold_indices(X, y, self.cv, self.random_state)

        def score(train: np.ndarray, test: np.ndarray) -> list[float]:
            # A greedy tree of depth d is the deepest tree cut at depth d, so one fit per fold
            # scores every depth.
            fitted = self._fit_tree(X[train], y[train], depths[-1])
            structure = TreeStructure.from_sklearn(fitted.tree_)
            out = []
            for depth in depths:
                proba = structure.proba(structure.apply(X[test], max_depth=depth))
                out.append(float(np.mean(fitted.classes_[np.argmax(proba, axis=1)] == y[test])))
            return out

        scores = parallel_map(score, folds, self.n_jobs)
        table = np.asarray(scores).T  # depths × folds
        means = table.mean(axis=1)
        errors = table.std(axis=1, ddof=1) / np.sqrt(len(folds)) if len(folds) > 1 else 0 * means
        best = int(np.argmax(means))
        chosen = next(i for i in range(len(depths)) if means[i] >= means[best] - errors[best])
        return depths[chosen], {d: float(m) for d, m in zip(depths, means)}

    def fit(self, X: Any, y: Any, sample_weight: Any = None, *,
            metadata: dict[str, Any] | None = None) -> PreferenceTree:
        """Fit on differences ``X`` (n_pairs × n_features) and preferences ``y`` in {-1, 0, +1};
        ``metadata`` (the judge, a fingerprint of the data) is kept in ``metadata_`` and saved
        with the tree, as a loaded tree's is."""
        self._check_params()
        self.metadata_: dict[str, Any] = dict(metadata or {})
        try:
            X, y_raw = validate_data(self, X, y, dtype=np.float32, ensure_min_samples=1)
        except ValueError as exc:  # no rows, NaN or inf, ragged shapes: the caller's data
            if isinstance(exc, InputError):
                raise
            raise InputError(f"cannot fit on these differences: {exc}") from None
        y = check_preferences(y_raw)
        keep = np.ones(len(y), dtype=bool) if self.ties == "class" else y != 0
        self.n_ties_dropped_ = int((~keep).sum())
        X, y = X[keep], y[keep]
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)[keep]
        if len(y) == 0:
            raise InputError(f"no pairs left to fit: all {self.n_ties_dropped_} preferences are ties "
                             "(0); use ties='class' to model them")
        self.n_pairs_ = int(len(y))
        if self.max_depth == "auto":
            self.depth_, self.depth_scores_ = self._select_depth(X, y)
        else:
            self.depth_, self.depth_scores_ = int(self.max_depth), {}
        self.estimator_ = self._fit_tree(X, y, self.depth_, weights)
        self.classes_ = self.estimator_.classes_.astype(np.int64)
        self.structure_ = TreeStructure.from_sklearn(self.estimator_.tree_)
        return self

    # -- prediction --------------------------------------------------------------------------
    def _validated(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "structure_")
        return validate_data(self, X, dtype=np.float32, reset=False)

    def apply(self, X: Any) -> np.ndarray:
        """The leaf id each pair lands in."""
        rows = self._validated(X)
        return self.structure_.apply(rows)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities in the order of ``classes_`` (the training share at the leaf)."""
        leaves = self.apply(X)
        return self.structure_.proba(leaves)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable preference for each pair."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def prob_response_2(self, X: Any) -> np.ndarray:
        """P(response_2 better) for each pair (0 when the tree never saw a +1)."""
        return self.prob_response_2_at(self.apply(X))

    def prob_response_2_at(self, leaves: np.ndarray) -> np.ndarray:
        """:meth:`prob_response_2` of pairs already placed in ``leaves`` (from :meth:`apply`)."""
        check_is_fitted(self, "structure_")
        proba = self.structure_.proba(np.asarray(leaves))
        classes = list(self.classes_)
        return proba[:, classes.index(1)] if 1 in classes else np.zeros(len(proba))

    @property
    def feature_names_(self) -> list[str]:
        check_is_fitted(self, "structure_")
        names = getattr(self, "feature_names_in_", None)
        return [str(n) for n in names] if names is not None else [f"x{i}" for i in range(self.n_features_in_)]

    @property
    def feature_importances_(self) -> np.ndarray:
        """Normalised total log-loss reduction per feature."""
        check_is_fitted(self, "structure_")
        return self.structure_.feature_importances(self.n_features_in_)

    # -- explanation -------------------------------------------------------------------------
    def explain(self, X: Any) -> list[str]:
        """The decision path of each pair in words, ending with the leaf's P(response_2 better)."""
        return [text.explain_row(self, row) for row in self._validated(X)]

    def export_text(self) -> str:
        """The whole tree as indented text."""
        return text.tree_text(self)

    def bootstrap_importances(self, X: Any, y: Any, n: int = 100, *, random_state: int | None = None,
                              n_jobs: int | None = None,
                              method: Literal["auto", "exact", "histogram"] = "auto",
                              sample_weight: Any = None, groups: Any = ()) -> pd.DataFrame:
        """Refit on ``n`` bootstrap resamples at the fitted depth; mean and 95% interval per
        feature (and per group of near-duplicate features); see :func:`.importance.bootstrap_importances`."""
        return importance.bootstrap_importances(self, X, y, n=n, random_state=random_state,
                                                n_jobs=n_jobs, method=method,
                                                sample_weight=sample_weight, groups=groups)

    def cross_validate(self, X: Any, y: Any, *, cv: int | None = None,
                       random_state: int | None = None, sample_weight: Any = None) -> Any:
        """Out-of-fold accuracy with a 95% interval, next to the majority and single-feature baselines."""
        return validation.cross_validate(self, X, y, cv=cv, random_state=random_state,
                                         sample_weight=sample_weight)

    # -- persistence -------------------------------------------------------------------------
    def to_dict(self, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        return serialize.tree_to_dict(self, metadata)

    def save(self, path: Any, metadata: dict[str, Any] | None = None) -> None:
        """Write the documented JSON format (see :mod:`preftree.tree.serialize`)."""
        serialize.save_tree(self, path, metadata)

    @classmethod
    def load(cls, path: Any) -> PreferenceTree:
        return serialize.load_tree(cls, path)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PreferenceTree:
        return serialize.tree_from_dict(cls, data)

    @classmethod
    def from_pickle(cls, path: Any, *, trust_pickle: bool = False,
                    feature_names: list[str] | None = None,
                    default_feature_names: list[str] | None = None,
                    orientation: Any = None) -> PreferenceTree:
        """Import a pickled scikit-learn tree (e.g. RLHFlow's ``decision_tree.pkl``).

        Unpickling runs arbitrary code, so this refuses unless ``trust_pickle=True``.
        ``default_feature_names`` apply only when the pickle stores none. ``orientation`` (a
        function of the imported tree returning whether its classes mean the other response,
        and what to record about that decision) is applied while the tree is built.
        """
        return serialize.load_pickled_tree(cls, path, trust_pickle=trust_pickle,
                                           feature_names=feature_names,
                                           default_feature_names=default_feature_names,
                                           orientation=orientation)
