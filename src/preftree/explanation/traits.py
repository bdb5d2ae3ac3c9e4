"""Feedback Forensics' trait metrics, exactly, with intervals: for each judge and trait, over the
pairs the judge decided, how often the trait picks the response the judge preferred.

- agree: the trait's response is the judge's; disagree: it is the other; not applicable: neither
  (or no readable answer);
- accuracy = agree / (agree + disagree); relevance = (agree + disagree) / n;
- κ = 2 × (accuracy − 0.5) (Feedback Forensics' κ with chance agreement 0.5);
- strength = κ × relevance = (agree − disagree) / n.

Strength is the mean of a per-pair score (+1, −1, 0); its 95 % interval is the Wald interval
with one agreement and one disagreement added (Agresti–Caffo), so it never has width 0. The
p-value is the two-sided binomial test of agree against disagree at 1/2. Where no pair has a
trait applicable, accuracy, κ and the p-value are not identified (empty) and strength is 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..data.model import JudgmentSet, PairSet
from ..features.differences import FeatureTable

__all__ = ["TRAIT_COLUMNS", "trait_examples", "trait_metrics", "trait_metrics_by_group", "trait_table"]

TRAIT_COLUMNS = ["judge", "trait", "n", "agree", "disagree", "not_applicable", "accuracy", "relevance",
                 "kappa", "strength", "strength_low", "strength_high", "p_value"]


def trait_table(pairs: PairSet, features: FeatureTable | None = None) -> pd.DataFrame | None:
    """The trait values of the pairs (index: pair id; one column per trait): the ``traits``
    features used, and the traits the pairs carry (an AnnotatedPairs file's principles)."""
    columns: dict[str, pd.Series] = {}
    if features is not None:
        for name in features.diffs.columns:
            if str(name).startswith("trait_") and str(name).endswith("_diff"):
                columns[str(name)[len("trait_"):-len("_diff")]] = features.diffs[name]
    for column in pairs.metadata_columns():
        if column.startswith("trait:") and column[len("trait:"):] not in columns:
            values = pd.to_numeric(pd.Series(pairs.metadata_column(column), index=pairs.ids), errors="coerce")
            columns[column[len("trait:"):]] = values
    return pd.DataFrame(columns) if columns else None


def _row(judge: str, trait: str, agree: int, disagree: int, n: int) -> dict[str, object]:
    from scipy.stats import binomtest

    decided = agree + disagree
    accuracy = agree / decided if decided else math.nan
    kappa = 2 * (accuracy - 0.5) if decided else math.nan
    strength = (agree - disagree) / n if n else math.nan
    low = high = math.nan
    if n:
        a, d, m = agree + 1, disagree + 1, n + 2  # Agresti–Caffo: one of each added
        mean = (a - d) / m
        se = math.sqrt(max((a + d) / m - mean ** 2, 0.0) / m)
        low, high = max(-1.0, mean - 1.96 * se), min(1.0, mean + 1.96 * se)
    return {"judge": judge, "trait": trait, "n": n, "agree": agree, "disagree": disagree,
            "not_applicable": n - decided, "accuracy": accuracy, "relevance": decided / n if n else math.nan,
            "kappa": kappa, "strength": strength, "strength_low": low, "strength_high": high,
            "p_value": binomtest(agree, decided).pvalue if decided else math.nan}


def trait_metrics(traits: pd.DataFrame, judges: Sequence[JudgmentSet]) -> pd.DataFrame:
    """One row per judge and trait (columns :data:`TRAIT_COLUMNS`), strongest first per judge."""
    rows = []
    for position, judge in enumerate(judges):
        preferences = judge.preferences()
        decided = preferences[preferences.isin([-1, 1])]
        common = [i for i in decided.index if i in traits.index]
        verdicts = decided.loc[common].to_numpy(dtype=float)
        for trait in traits.columns:
            values = traits.loc[common, trait].to_numpy(dtype=float)
            picked = np.isin(values, (-1.0, 1.0))
            agree = int(np.sum(picked & (values == verdicts)))
            disagree = int(np.sum(picked & (values != verdicts)))
            rows.append({**_row(judge.judge, str(trait), agree, disagree, len(common)), "_judge": position})
    frame = pd.DataFrame(rows, columns=[*TRAIT_COLUMNS, "_judge"])
    frame["_order"] = -frame["strength"].abs()
    frame = frame.sort_values(["_judge", "_order"], kind="stable")
    return frame.drop(columns=["_judge", "_order"]).reset_index(drop=True)


def trait_examples(pairs: PairSet, traits: pd.DataFrame, judges: Sequence[JudgmentSet], metrics: pd.DataFrame,
                   *, top: int = 12, per_kind: int = 3, chars: int = 400) -> dict[str, Any]:
    """For the report's example viewer: per judge, its ``top`` strongest traits, each with up to
    ``per_kind`` pairs where the trait agrees with the judge and as many where it disagrees
    (texts cut to ``chars``); keys are ``judge`` then ``trait`` then ``agree``/``disagree``."""
    def cut(text: str) -> str:
        return text if len(text) <= chars else text[:chars] + " …"

    found: dict[str, dict[str, dict[str, list[dict[str, object]]]]] = {}
    for judge in judges:
        preferences = judge.preferences()
        rows = metrics[metrics["judge"] == judge.judge].head(top)
        for trait in rows["trait"]:
            kinds: dict[str, list[dict[str, object]]] = {"agree": [], "disagree": []}
            for pair_id, verdict in preferences.items():
                if verdict not in (-1, 1) or pair_id not in traits.index or pair_id not in pairs:
                    continue
                value = traits.at[pair_id, trait]
                if value not in (-1.0, 1.0):
                    continue
                kind = "agree" if value == verdict else "disagree"
                if len(kinds[kind]) < per_kind:
                    pair = pairs[str(pair_id)]
                    kinds[kind].append({"id": str(pair_id), "prompt": cut(pair.prompt_text()),
                                        "response_1": cut(pair.response_1), "response_2": cut(pair.response_2),
                                        "judge_prefers": int(verdict), "trait_picks": int(value)})
                if all(len(v) >= per_kind for v in kinds.values()):
                    break
            found.setdefault(judge.judge, {})[str(trait)] = kinds
    return found


def trait_metrics_by_group(traits: pd.DataFrame, judges: Sequence[JudgmentSet], pairs: PairSet,
                           by: str) -> pd.DataFrame:
    """:func:`trait_metrics` within each group of the pairs column ``by`` (a ``group`` column
    first): how a judge's traits differ by task type or dataset."""
    from ..data.model import Judgment

    groups = pd.Series(pairs.metadata_column(by), index=pairs.ids).astype(str)
    frames = []
    for group, ids in groups.groupby(groups, sort=True).groups.items():
        members = set(ids)
        subsets = [JudgmentSet(judge.judge, [Judgment(j.pair_id, j.judge, j.preference) for j in judge
                                             if j.pair_id in members]) for judge in judges]
        frame = trait_metrics(traits.loc[[i for i in traits.index if i in members]], subsets)
        frames.append(frame.assign(group=str(group)))
    if not frames:
        return pd.DataFrame(columns=["group", *TRAIT_COLUMNS])
    joined = pd.concat(frames, ignore_index=True)
    return joined[["group", *TRAIT_COLUMNS]]
