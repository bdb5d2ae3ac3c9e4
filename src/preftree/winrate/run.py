"""From comparisons to the win-rate table: raw and length-controlled win rates against a
baseline, and Bradley–Terry ratings with and without style control."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.model import Pair, PairSet
from ..errors import InputError
from .bradley_terry import BTResult, fit_bradley_terry, normalised_differences
from ..features.differences import FeatureTable
from .estimates import LengthControlledFit, ModelWinRate, fit_length_controlled, lc_win_rate, raw_win_rate
from .residual import ResidualTrees, fit_residual_trees

__all__ = ["WinRateResult", "against_baseline", "style_controlled", "win_rates"]


@dataclass
class WinRateResult:
    """The table of ``winrate.csv`` and the fits behind it."""

    table: pd.DataFrame
    baseline: str
    plain: BTResult | None
    controlled: BTResult | None
    difficulties: dict[str, float]
    length: LengthControlledFit | None = None
    trees: ResidualTrees | None = None
    features: list[str] = field(default_factory=list)
    tree_features: list[str] = field(default_factory=list)


def against_baseline(frame: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """The comparisons of each model with ``baseline``, oriented model (a) vs baseline (b)."""
    first = frame[frame["model_b"] == baseline]
    second = frame[frame["model_a"] == baseline].rename(columns={
        "model_a": "model_b", "model_b": "model_a", "text_a": "text_b", "text_b": "text_a"})
    second = second.assign(outcome=1.0 - second["outcome"])
    return pd.concat([first, second[first.columns]], ignore_index=True)


def _lengths(frame: pd.DataFrame) -> np.ndarray | None:
    if frame.empty or frame["text_a"].isna().any() or frame["text_b"].isna().any():
        return None
    return (frame["text_a"].str.len() - frame["text_b"].str.len()).to_numpy(float)


def _differences(frame: pd.DataFrame, specs: Sequence[str]) -> FeatureTable:
    """The feature specs evaluated on each battle's two texts (response_1 = a)."""
    from ..features.differences import build_features

    pairs = PairSet([Pair(str(i), row.instruction, row.text_a, row.text_b)
                     for i, row in enumerate(frame.itertuples(index=False))], source="battles")
    return build_features(pairs, list(specs))


def style_controlled(frame: pd.DataFrame, table: FeatureTable | None, *, anchor: str | None,
                     resamples: int = 100, seed: int = 0) -> tuple[BTResult, BTResult | None]:
    """Bradley–Terry ratings without and with control for the features of ``table`` (any
    preftree feature spec computed on each battle's two texts: ``style``, ``model:NAME``, ...)."""
    plain = fit_bradley_terry(frame["model_a"], frame["model_b"], frame["outcome"], anchor=anchor,
                              resamples=resamples, seed=seed)
    if table is None:
        return plain, None
    covariates = normalised_differences(table.values_1, table.values_2)
    covariates, dropped = distinct_covariates(covariates.loc[:, covariates.std() > 0])
    controlled = fit_bradley_terry(frame["model_a"], frame["model_b"], frame["outcome"],
                                   covariates.reset_index(drop=True), anchor=anchor,
                                   resamples=resamples, seed=seed)
    controlled.dropped = dropped
    return plain, controlled


def distinct_covariates(covariates: pd.DataFrame, limit: float = 0.95) -> tuple[pd.DataFrame, dict[str, str]]:
    """Drop each covariate whose correlation with one kept before it exceeds ``limit`` in size
    (characters and words of the same texts): two near-copies share one effect between them
    at random, with huge opposite coefficients. Returns the kept columns and dropped → kept."""
    kept: list[str] = []
    dropped: dict[str, str] = {}
    correlation = covariates.corr().abs()
    for column in covariates.columns:
        twin = next((k for k in kept if correlation.at[column, k] > limit), None)
        if twin is None:
            kept.append(column)
        else:
            dropped[str(column)] = str(twin)
    return covariates[kept], dropped


def _add_ratings(table: pd.DataFrame, plain: BTResult, controlled: BTResult | None) -> None:
    for name, fit in (("rating", plain), ("sc_rating", controlled)):
        if fit is None:
            continue
        ratings = fit.ratings.set_index("model")
        for column in ("rating", "rating_low", "rating_high"):
            table[column.replace("rating", name)] = table["model"].map(ratings[column])
        table[name.replace("rating", "rank")] = table["model"].map(ratings["rank"])
    if controlled is not None:
        table["rank_shift"] = table["rank"] - table["sc_rank"]


def win_rates(frame: pd.DataFrame, *, baseline: str | None = None, features: Sequence[Any] = ("style",),
              tree_features: Sequence[Any] | None = None, difficulties: Mapping[str, float] | None = None,
              pooling: float | None = None, resamples: int = 100, seed: int = 0) -> WinRateResult:
    """One row per model: n, win rate, its SE, the discrete win rate, the LC win rate and its SE
    (against ``baseline``), and the ratings and ranks with and without style control; the
    ordinary and residual trees over ``tree_features`` (default: ``features``)."""
    if frame.empty:
        raise InputError("no comparisons to rate")
    frame = frame[frame["model_a"] != frame["model_b"]].reset_index(drop=True)  # self: 50 % by definition
    counts = pd.concat([frame["model_a"], frame["model_b"]]).value_counts()
    if counts.empty:
        raise InputError("every comparison is a model against itself: nothing to rate")
    if baseline is None:
        baseline = str(counts.index[0])  # the model in most comparisons: AlpacaEval's reference
    if baseline not in counts:
        raise InputError(f"baseline {baseline!r} is in no comparison; models: "
                         f"{', '.join(map(str, counts.index[:10]))}")
    oriented = against_baseline(frame, baseline)
    lengths = _lengths(oriented)
    fit = None
    if lengths is not None:
        fit = fit_length_controlled(oriented["model_a"].to_numpy(), oriented["instruction"].to_numpy(),
                                    lengths, oriented["outcome"].to_numpy(), difficulties=difficulties,
                                    pooling=pooling)
    rows = []
    for model, group in oriented.groupby("model_a", sort=True):
        win, se, discrete = raw_win_rate(group["outcome"].to_numpy())
        lc = lc_se = None
        if fit is not None:
            lc, lc_se = lc_win_rate(fit, str(model), group["instruction"].to_numpy())
        phi = None if fit is None else fit.model_length_coefficients.get(str(model), fit.length_coefficient)
        rows.append(ModelWinRate(str(model), len(group), win, se, discrete, lc, lc_se, phi).__dict__)
    rows.append(ModelWinRate(baseline, 0, 50.0, float("nan"), 50.0, None if fit is None else 50.0).__dict__)
    table = pd.DataFrame(rows)
    has_texts = frame["text_a"].notna().all() and frame["text_b"].notna().all()
    specs = list(features) if has_texts else []
    tree_specs = list(features if tree_features is None else tree_features) if has_texts else []
    plain = controlled = None
    trees = None
    if counts.size > 2:
        feature_table = _differences(frame, specs) if specs else None
        plain, controlled = style_controlled(frame, feature_table, anchor=baseline, resamples=resamples, seed=seed)
        _add_ratings(table, plain, controlled)
        if controlled is not None and tree_specs:
            tree_table = feature_table if tree_specs == specs else _differences(frame, tree_specs)
            assert tree_table is not None
            trees = fit_residual_trees(tree_table.diffs, frame["outcome"].to_numpy(), controlled.fitted, seed=seed)
    sort = "lc_win_rate" if table["lc_win_rate"].notna().any() else "win_rate"
    return WinRateResult(table.sort_values(sort, ascending=False, ignore_index=True), baseline,
                         plain, controlled, {} if fit is None else fit.difficulties, fit, trees,
                         [spec_name(f) for f in specs], [spec_name(f) for f in tree_specs])


def spec_name(feature: Any) -> str:
    """A feature spec as written (``model:PATH`` for a bound model source)."""
    return str(getattr(feature, "spec", None) or feature)
