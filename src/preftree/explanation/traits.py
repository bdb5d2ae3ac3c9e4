"""Feedback Forensics' trait metrics, exactly, with intervals: for each judge and trait, over the
pairs the judge decided, how often the trait picks the response the judge preferred.

- agree: the trait's response is the judge's; disagree: it is the other; not applicable: neither
  (or no readable answer);
- accuracy = agree / (agree + disagree); relevance = (agree + disagree) / n;
- κ = 2 × (accuracy − 0.5) (Feedback Forensics' κ with chance agreement 0.5);
- strength = κ × relevance = (agree − disagree) / n.

The 95 % interval of strength is (2·[low, high] − 1) × relevance, with [low, high] the exact
(Clopper–Pearson) interval of accuracy; the p-value is the exact central two-sided binomial test
of agree against disagree at 1/2, so the interval excludes 0 exactly when p < 0.05. Where no pair
has the trait applicable, accuracy, κ, the interval and p are not identified (empty) and strength
is 0; where most of a judge's pairs have no readable trait answer, the interval and p are left
empty too (``unreadable`` in the frame's ``attrs`` says which).
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
    """The trait values of the pairs (index: pair id; one column per trait; empty where no answer
    could be read): the ``traits`` features used, and the traits the pairs carry (an AnnotatedPairs
    file's principles)."""
    from ..features.sources import parse_feature_spec
    from ..features.traits import TraitsSource

    columns: dict[str, pd.Series] = {}
    for spec in [] if features is None else features.specs:
        source = parse_feature_spec(spec) if isinstance(spec, str) and spec.startswith("traits") else spec
        if isinstance(source, TraitsSource):
            for name, values in source.table(pairs).items():
                columns[str(name)] = values
    for column in pairs.metadata_columns():
        if column.startswith("trait:") and column[len("trait:"):] not in columns:
            values = pd.to_numeric(pd.Series(pairs.metadata_column(column), index=pairs.ids), errors="coerce")
            columns[column[len("trait:"):]] = values
    return pd.DataFrame(columns) if columns else None


def _row(judge: str, trait: str, agree: int, disagree: int, n: int, identified: bool = True) -> dict[str, object]:
    from scipy.stats import binom, binomtest

    decided = agree + disagree
    accuracy = agree / decided if decided else math.nan
    kappa = 2 * (accuracy - 0.5) if decided else math.nan
    strength = (agree - disagree) / n if n else math.nan
    relevance = decided / n if n else math.nan
    low = high = p_value = math.nan
    if decided and identified:
        interval = binomtest(agree, decided).proportion_ci(confidence_level=0.95, method="exact")
        low, high = (2 * interval.low - 1) * relevance, (2 * interval.high - 1) * relevance
        p_value = min(1.0, 2 * min(binom.cdf(agree, decided, 0.5), binom.sf(agree - 1, decided, 0.5)))
    return {"judge": judge, "trait": trait, "n": n, "agree": agree, "disagree": disagree,
            "not_applicable": n - decided, "accuracy": accuracy, "relevance": relevance,
            "kappa": kappa, "strength": strength, "strength_low": low, "strength_high": high,
            "p_value": p_value}


def trait_metrics(traits: pd.DataFrame, judges: Sequence[JudgmentSet]) -> pd.DataFrame:
    """One row per judge and trait (columns :data:`TRAIT_COLUMNS`), strongest first per judge."""
    rows = []
    unreadable: list[tuple[str, str]] = []
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
            readable = int(np.sum(~np.isnan(values))) * 2 > len(values)
            if not readable and len(values):
                unreadable.append((judge.judge, str(trait)))
            rows.append({**_row(judge.judge, str(trait), agree, disagree, len(common), readable), "_judge": position})
    frame = pd.DataFrame(rows, columns=[*TRAIT_COLUMNS, "_judge"])
    frame["_order"] = -frame["strength"].abs()
    frame = frame.sort_values(["_judge", "_order"], kind="stable")
    frame = frame.drop(columns=["_judge", "_order"]).reset_index(drop=True)
    frame.attrs["unreadable"] = unreadable
    return frame


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
                if verdict not in (-1, 1) or pair_id not in traits.index or not pairs.has_text(str(pair_id)):
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
