"""The explain pipeline: features + a judge's verdicts → a fitted, validated, bootstrapped tree."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..data.model import JudgmentSet, PairSet
from ..errors import ConfigError, InputError
from ..features.differences import FeatureTable
from ..tree.estimator import PreferenceTree
from ..tree.serialize import data_fingerprint
from ..tree.text import format_percent
from ..tree.validation import CVReport
from ..tree.wording import direction_phrase

__all__ = ["GROUP_SPEARMAN", "ExplainConfig", "ExplainResult", "JudgeExplanation",
           "explain_judge", "feature_directions", "feature_groups", "feature_leans"]

GROUP_SPEARMAN = 0.9
"""Features whose differences correlate at least this much (|Spearman|) are reported as a group."""


@dataclass
class ExplainConfig:
    """Settings of one explain run (the CLI flags of ``preftree explain``)."""

    max_depth: int | Literal["auto"] = 3
    bootstrap: int = 100
    seed: int = 0
    cv: int = 5
    ties: Literal["drop", "class"] = "drop"
    symmetric: bool = False
    n_jobs: int | None = -1
    min_leaf: float = 0.01  # smallest leaf: a fraction of the pairs (< 1) or a count (>= 1)
    by: str | None = None  # a pairs column: one tree per group beside the pooled one
    min_group: int = 20  # decided pairs a group needs for a tree of its own
    permutations: int = 1000  # of the test whether an effect differs across groups

    def __post_init__(self) -> None:
        if not (isinstance(self.min_leaf, (int, float)) and math.isfinite(self.min_leaf)
                and self.min_leaf > 0):
            raise ConfigError(f"min_leaf must be a positive finite number, got {self.min_leaf!r}")
        if not (isinstance(self.seed, int) and 0 <= self.seed < 2 ** 32):
            raise ConfigError(f"seed must be an integer in [0, 2**32 - 1], got {self.seed!r}")

    def tree(self) -> PreferenceTree:
        leaf = self.min_leaf if self.min_leaf < 1 else int(self.min_leaf)
        return PreferenceTree(max_depth=self.max_depth, ties=self.ties, symmetric=self.symmetric,
                              cv=self.cv, random_state=self.seed, n_jobs=self.n_jobs,
                              min_samples_leaf=leaf)


@dataclass
class JudgeExplanation:
    """Everything explain learns about one judge."""

    judge: str
    tree: PreferenceTree
    cv: CVReport
    importances: pd.DataFrame
    leaves: pd.DataFrame  # pair id, preference, leaf, P(response_2 better)
    n_without_verdict: int
    extra: dict[str, Any] = field(default_factory=dict)
    class_counts: dict[str, int] = field(default_factory=dict)
    label_format: str | None = None
    directions: dict[str, str] = field(default_factory=dict)  # feature or group → "prefers longer", ...
    leans: pd.DataFrame = field(default_factory=pd.DataFrame)  # feature_leans: lean, interval, direction
    by: Any = None  # groups.GroupComparison with ExplainConfig.by

    def used_direction(self, feature: str, mean: float, ci_high: float) -> str:
        """The direction the verdicts lean along a feature, or "not used by the tree" when no
        refit splits on it (a direction there would read as a finding)."""
        if mean <= 0 and ci_high <= 0:
            return "not used by the tree"
        return self.directions.get(feature, "")

    def top(self) -> tuple[str, str]:
        """The top row of the importances (a near-duplicate group when its members lead: their sum
        is the stable figure) and its direction; the terminal, summary.json and the report all
        name this one."""
        name = str(self.importances.iloc[0]["feature"])
        return name, self.directions.get(name, "no clear direction")

    @property
    def explains_something(self) -> bool:
        """The tree beats both baselines (its accuracy's 95% interval lies above them)."""
        return self.cv.beats_majority and self.cv.beats_best_single_feature

    def caveat(self) -> str | None:
        """A plain warning when the tree is no better than a baseline, else ``None``."""
        if not self.cv.beats_majority:
            return (f"this tree explains nothing: its accuracy ({format_percent(self.cv.accuracy)}, "
                    f"95% interval from {format_percent(self.cv.accuracy_ci[0])}) is not above always "
                    f"guessing the majority ({format_percent(self.cv.majority_baseline)}); do not read "
                    "its splits or importances as reasons")
        if not self.cv.beats_best_single_feature:
            best = self.cv.best_single_feature
            return (f"this tree is no better than one feature alone: {best['feature']} "
                    f"({best['direction']}) gets {format_percent(best['accuracy'])}; read that "
                    "feature, not the tree's other splits")
        return None

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` record."""
        best = self.cv.best_single_feature
        features = self.importances[self.importances["kind"] == "feature"] \
            if "kind" in self.importances else self.importances
        groups = self.importances[self.importances["kind"] == "group"] \
            if "kind" in self.importances else self.importances.iloc[:0]
        return {
            "judge": self.judge,
            "n_pairs": self.tree.n_pairs_,
            "n_ties_dropped": self.tree.n_ties_dropped_,
            "n_pairs_without_verdict": self.n_without_verdict,
            "depth": self.tree.depth_,
            "depth_scores": {str(k): v for k, v in self.tree.depth_scores_.items()},
            "features": self.tree.feature_names_,
            "cv_folds": self.cv.folds,
            "cv_accuracy": self.cv.accuracy,
            "cv_accuracy_ci": list(self.cv.accuracy_ci),
            "majority_baseline": self.cv.majority_baseline,
            "best_single_feature": {"feature": best["feature"], "accuracy": best["accuracy"],
                                    "direction": best["direction"]},
            "beats_majority": self.cv.beats_majority,
            "beats_best_single_feature": self.cv.beats_best_single_feature,
            "caveat": self.caveat(),
            "single_feature_accuracies": self.cv.single_feature_accuracies,
            "near_constant_features": self.cv.near_constant,
            "class_counts": self.class_counts,
            "label_format": self.label_format,
            "importances": [
                {"feature": r.feature, "mean": float(r.mean), "ci_low": float(r.ci_low),
                 "ci_high": float(r.ci_high), "direction": self.used_direction(r.feature, r.mean, r.ci_high),
                 "group": getattr(r, "group", "") or None} for r in features.itertuples()],
            "feature_groups": [
                {"features": r.feature.split(" + "), "mean": float(r.mean),
                 "ci_low": float(r.ci_low), "ci_high": float(r.ci_high),
                 "direction": self.used_direction(r.feature, r.mean, r.ci_high)} for r in groups.itertuples()],
            "top": dict(zip(("feature", "direction"), self.top())),
            "tree": self.tree.export_text(),
            **self.extra,
            **({"by": self.by.column, "groups": self.by.records(),
                "group_tests": self.by.tests.to_dict("records"), "group_changes": self.by.changes}
               if self.by is not None else {}),
        }


@dataclass
class ExplainResult:
    """The outcome of :func:`explain` over one or more judges."""

    pairs: PairSet
    features: FeatureTable
    judges: list[JudgeExplanation]
    agreement: pd.DataFrame
    agreement_counts: pd.DataFrame
    consistency: pd.DataFrame
    config: ExplainConfig
    label_judge: str | None = None
    judge_sources: list[str] = field(default_factory=list)  # files the verdicts came from
    agreement_decided: pd.DataFrame = field(default_factory=pd.DataFrame)  # pairs both decided
    agreement_decided_counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    kappa: pd.DataFrame = field(default_factory=pd.DataFrame)  # Cohen's κ between judges
    trait_metrics: pd.DataFrame = field(default_factory=pd.DataFrame)  # traits.csv: see .traits
    trait_examples: dict[str, Any] = field(default_factory=dict)  # trait_examples.json, for the report
    trait_groups: pd.DataFrame = field(default_factory=pd.DataFrame)  # traits_by_group.csv (with --by)


def feature_groups(X: pd.DataFrame, threshold: float = GROUP_SPEARMAN) -> list[list[str]]:
    """Features whose differences are near-duplicates (|Spearman| ≥ ``threshold``), joined into
    groups; a group's members trade importance between refits, so only their sum is stable."""
    ranks = X.rank()
    corr = ranks.corr().abs().fillna(0.0).to_numpy()  # Spearman = Pearson on ranks
    names = list(X.columns)
    parent = list(range(len(names)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if corr[i, j] >= threshold:
                parent[root(j)] = root(i)
    groups: dict[int, list[str]] = {}
    for i, name in enumerate(names):
        groups.setdefault(root(i), []).append(name)
    return [g for g in groups.values() if len(g) > 1]


def feature_leans(X: pd.DataFrame, y: np.ndarray, groups: list[list[str]] | tuple[()] = ()) -> pd.DataFrame:
    """Per feature (and per near-duplicate group "a + b"): the lean — the mean of sign(Δ) ×
    preference over the decided pairs — with its 95 % interval, and the direction it supports:
    a direction only when the interval excludes 0 ("no clear direction" otherwise), so two
    near-copies never read in opposite directions. A group takes the direction of its most
    certain member ("mixed directions" if members clearly disagree)."""
    decided = y != 0
    answer = y[decided]
    rows: dict[str, dict[str, Any]] = {}
    for name in X.columns:
        values = np.sign(X[name].to_numpy(dtype=float)[decided]) * answer
        n = len(values)
        lean = float(values.mean()) if n else 0.0
        half = 1.96 * float(values.std(ddof=1)) / math.sqrt(n) if n > 1 else math.inf
        low, high = lean - half, lean + half
        sign = 1 if low > 0 else -1 if high < 0 else 0
        rows[name] = {"feature": name, "lean": lean, "low": low, "high": high, "n": n,
                      "direction": direction_phrase(name, sign), "sign": sign}
    for group in groups:
        members = [m for m in group if m in rows]
        if len(members) < 2:
            continue
        best = max(members, key=lambda m: (abs(rows[m]["sign"]), abs(rows[m]["lean"])))
        signs = {rows[m]["sign"] for m in members} - {0}
        label = " + ".join(members)
        rows[label] = {**rows[best], "feature": label,
                       "direction": "mixed directions" if len(signs) > 1 else rows[best]["direction"]}
    return pd.DataFrame(list(rows.values()), columns=["feature", "lean", "low", "high", "n", "direction", "sign"])


def feature_directions(X: pd.DataFrame, y: np.ndarray, groups: list[list[str]] | tuple[()] = ()) -> dict[str, str]:
    """What the verdicts prefer along each feature and group (see :func:`feature_leans`)."""
    leans = feature_leans(X, y, groups)
    return dict(zip(leans["feature"], leans["direction"]))


def explain_judge(features: FeatureTable | pd.DataFrame, verdicts: JudgmentSet | pd.Series,
                  config: ExplainConfig | None = None, *, judge: str | None = None) -> JudgeExplanation:
    """Fit, cross-validate and bootstrap one judge's tree over feature differences.

    Soft verdicts (weights below 1) are fitted as sample weights; near-duplicate features are
    reported as groups; a tree that does not beat its baselines says so (:meth:`JudgeExplanation.caveat`).
    """
    config = config or ExplainConfig()
    diffs = features.diffs if isinstance(features, FeatureTable) else features
    preferences = verdicts.preferences() if isinstance(verdicts, JudgmentSet) else verdicts
    name = judge or (verdicts.judge if isinstance(verdicts, JudgmentSet) else str(preferences.name))
    if diffs.index.equals(preferences.index):  # a verdict on every pair, in order: no lookups
        ids, X, y = diffs.index.to_numpy(dtype=object), diffs, preferences.to_numpy(dtype=np.int64)
    else:
        ids = diffs.index[diffs.index.isin(preferences.index)].to_numpy(dtype=object)
        if not len(ids):
            raise InputError(f"judge {name!r} has no verdict on any of the {len(diffs)} pairs")
        X = diffs.loc[ids]
        y = preferences.loc[ids].to_numpy(dtype=np.int64)
    weights = None
    if isinstance(verdicts, JudgmentSet):
        given = verdicts.weights()
        weights = (given if given.index.equals(X.index) else given.loc[ids]).to_numpy()
    if weights is not None and np.all(weights == 1.0):
        weights = None
    if config.ties == "drop" and not (y != 0).any():
        raise InputError(f"judge {name!r}: nothing left after dropping ties — all {len(y)} verdicts "
                         "are 0 (no preference); use --ties class to model them")
    fitted = y[y != 0] if config.ties == "drop" else y
    classes = sorted({int(v) for v in fitted})
    if len(classes) < 2:
        side = {-1: "response_1", 0: "neither", 1: "response_2"}[classes[0]]
        raise InputError(f"judge {name!r}: every one of its {len(fitted)} verdicts prefers {side}; "
                         "a tree cannot explain a preference that never varies (check the label "
                         "format, or the orientation of the pairs)")
    if len(fitted) < max(config.cv, 2) * 2:
        raise InputError(f"judge {name!r}: only {len(fitted)} pairs with a verdict; a tree with "
                         f"{config.cv}-fold cross-validation needs at least {max(config.cv, 2) * 2}")
    tree = config.tree().fit(X, y, weights,
                             metadata={"judge": name, "data_sha256": data_fingerprint(X, y)})
    report = tree.cross_validate(X, y, sample_weight=weights)
    kept = (y != 0) if config.ties == "drop" else np.ones(len(y), dtype=bool)
    groups = feature_groups(X[kept])
    importances = tree.bootstrap_importances(X, y, n=config.bootstrap, random_state=config.seed,
                                             sample_weight=weights, groups=groups)
    leaf = tree.apply(X)
    leaves = pd.DataFrame({"id": ids, "preference": y, "leaf": leaf,
                           "p_response_2": tree.prob_response_2_at(leaf)})
    leans = feature_leans(X, y, groups)
    counts = {"response_1": int((y == -1).sum()), "tie": int((y == 0).sum()),
              "response_2": int((y == 1).sum())}
    return JudgeExplanation(name, tree, report, importances, leaves,
                            n_without_verdict=len(diffs) - len(ids), class_counts=counts,
                            label_format=getattr(verdicts, "label_format", None),
                            leans=leans, directions=dict(zip(leans["feature"], leans["direction"])))
