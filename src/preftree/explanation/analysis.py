"""The explain pipeline: features + a judge's verdicts → a fitted, validated, bootstrapped tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ..data.model import JudgmentSet, PairSet
from ..errors import InputError
from ..features.differences import FeatureTable, build_features
from ..features.sources import FeatureSource
from ..tree.estimator import PreferenceTree
from ..tree.serialize import data_fingerprint
from ..tree.validation import CVReport
from .agreement import agreement_matrix, consistency_table

__all__ = ["ExplainConfig", "ExplainResult", "JudgeExplanation", "explain", "explain_judge"]


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

    def tree(self) -> PreferenceTree:
        return PreferenceTree(max_depth=self.max_depth, ties=self.ties, symmetric=self.symmetric,
                              cv=self.cv, random_state=self.seed, n_jobs=self.n_jobs)


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

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` record."""
        best = self.cv.best_single_feature
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
            "single_feature_accuracies": self.cv.single_feature_accuracies,
            "importances": [
                {"feature": r.feature, "mean": float(r.mean), "ci_low": float(r.ci_low),
                 "ci_high": float(r.ci_high)} for r in self.importances.itertuples()],
            "tree": self.tree.export_text(),
            **self.extra,
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


def explain_judge(features: FeatureTable | pd.DataFrame, verdicts: JudgmentSet | pd.Series,
                  config: ExplainConfig | None = None, *, judge: str | None = None) -> JudgeExplanation:
    """Fit, cross-validate and bootstrap one judge's tree over feature differences."""
    config = config or ExplainConfig()
    diffs = features.diffs if isinstance(features, FeatureTable) else features
    preferences = verdicts.preferences() if isinstance(verdicts, JudgmentSet) else verdicts
    name = judge or (verdicts.judge if isinstance(verdicts, JudgmentSet) else str(preferences.name))
    ids = [i for i in diffs.index if i in preferences.index]
    if not ids:
        raise InputError(f"judge {name!r} has no verdict on any of the {len(diffs)} pairs")
    X = diffs.loc[ids]
    y = preferences.loc[ids].to_numpy(dtype=np.int64)
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
    tree = config.tree().fit(X, y)
    tree.metadata_ = {"judge": name, "data_sha256": data_fingerprint(X, y)}
    report = tree.cross_validate(X, y)
    importances = tree.bootstrap_importances(X, y, n=config.bootstrap, random_state=config.seed)
    leaf = tree.apply(X)
    leaves = pd.DataFrame({"id": ids, "preference": y, "leaf": leaf,
                           "p_response_2": tree.prob_response_2(X)})
    return JudgeExplanation(name, tree, report, importances, leaves,
                            n_without_verdict=len(diffs) - len(ids))


def explain(pairs: PairSet, judges: Sequence[JudgmentSet], features: Sequence[str | FeatureSource]
            | FeatureTable, config: ExplainConfig | None = None, *,
            include_label: bool = False, progress: bool | None = None) -> ExplainResult:
    """Explain every judge (or, with none, the pairs' own labels) with one tree each.

    The pairs' gold/human label, when present, joins the agreement table as one more judge and
    each judge's agreement with it is recorded in its summary; with ``include_label`` it also gets
    a tree of its own next to the judges' (the seed's "human" tree).
    """
    config = config or ExplainConfig()
    table = features if isinstance(features, FeatureTable) else build_features(pairs, features)
    label_set = pairs.as_judgments() if pairs.has_labels else None
    targets = list(judges)
    if not targets:
        if label_set is None:
            raise InputError("nothing to explain: give --judge files, or pairs with a label column "
                             "(--label-column)", path=pairs.source)
        targets = [label_set]
    elif include_label and label_set is not None:
        targets.append(label_set)
    explanations = []
    quiet = None if progress is None else not progress  # None: bar only on a terminal
    for verdicts in tqdm(targets, desc="judges", unit="judge", disable=quiet):
        explanation = explain_judge(table, verdicts, config)
        if label_set is not None and verdicts is not label_set:
            gold, own = label_set.preferences(), verdicts.preferences()
            common = own.index.intersection(gold.index)
            if len(common):
                explanation.extra["agreement_with_label"] = float(
                    (own.loc[common].to_numpy() == gold.loc[common].to_numpy()).mean())
        explanations.append(explanation)
    everyone = list(judges) + ([label_set] if label_set is not None and judges else [])
    if not everyone:
        everyone = targets
    shares, counts = agreement_matrix(everyone)
    consistency = consistency_table(list(judges))
    for explanation, row in zip(explanations, consistency.to_dict("records")):
        if row["n_both_orders"]:
            explanation.extra["consistency"] = row["consistency"]
            explanation.extra["prefers_first_shown"] = row["prefers_first_shown"]
    return ExplainResult(pairs, table, explanations, shares, counts, consistency, config,
                         label_judge=label_set.judge if label_set is not None else None,
                         judge_sources=sorted({j.source for j in judges if j.source}))
