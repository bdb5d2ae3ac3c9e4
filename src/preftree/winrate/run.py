"""From comparisons to the win-rate table: raw and length-controlled win rates against a
baseline, and Bradley–Terry ratings with and without style control."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.model import Pair, PairSet
from ..errors import InputError
from .bradley_terry import BTResult, fit_bradley_terry, normalised_differences
from .estimates import ModelWinRate, fit_length_controlled, lc_win_rate, raw_win_rate

__all__ = ["WinRateResult", "against_baseline", "style_controlled", "win_rates"]


@dataclass
class WinRateResult:
    """The table of ``winrate.csv`` and the fits behind it."""

    table: pd.DataFrame
    baseline: str
    plain: BTResult | None
    controlled: BTResult | None
    difficulties: dict[str, float]


def against_baseline(frame: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """The comparisons of each model with ``baseline``, oriented model (a) vs baseline (b)."""
    first = frame[frame["model_b"] == baseline]
    second = frame[frame["model_a"] == baseline].rename(columns={
        "model_a": "model_b", "model_b": "model_a", "text_a": "text_b", "text_b": "text_a"})
    second = second.assign(outcome=1.0 - second["outcome"])
    return pd.concat([first, second[first.columns]], ignore_index=True)


def _lengths(frame: pd.DataFrame) -> np.ndarray | None:
    if frame["text_a"].isna().any() or frame["text_b"].isna().any():
        return None
    return (frame["text_a"].str.len() - frame["text_b"].str.len()).to_numpy(float)


def style_controlled(frame: pd.DataFrame, features: Sequence[str], *, anchor: str | None,
                     resamples: int = 100, seed: int = 0) -> tuple[BTResult, BTResult]:
    """Bradley–Terry ratings without and with control for ``features`` (any preftree feature
    spec computed on each battle's two texts: ``style``, ``model:NAME``, ...)."""
    from ..features.differences import build_features

    plain = fit_bradley_terry(frame["model_a"], frame["model_b"], frame["outcome"], anchor=anchor,
                              resamples=resamples, seed=seed)
    pairs = PairSet([Pair(str(i), row.instruction, row.text_a, row.text_b)
                     for i, row in enumerate(frame.itertuples(index=False))], source="battles")
    table = build_features(pairs, list(features))
    covariates = normalised_differences(table.values_1, table.values_2)
    covariates = covariates.loc[:, covariates.std() > 0]
    controlled = fit_bradley_terry(frame["model_a"], frame["model_b"], frame["outcome"],
                                   covariates.reset_index(drop=True), anchor=anchor,
                                   resamples=resamples, seed=seed)
    return plain, controlled


def win_rates(frame: pd.DataFrame, *, baseline: str | None = None, features: Sequence[str] = ("style",),
              difficulties: Mapping[str, float] | None = None, resamples: int = 100,
              seed: int = 0) -> WinRateResult:
    """One row per model: n, win rate, its SE, the discrete win rate, the LC win rate and its SE
    (against ``baseline``), and the ratings and ranks with and without style control."""
    if frame.empty:
        raise InputError("no comparisons to rate")
    counts = pd.concat([frame["model_a"], frame["model_b"]]).value_counts()
    if baseline is None:
        baseline = str(counts.index[0])  # the model in most comparisons: AlpacaEval's reference
    if baseline not in counts:
        raise InputError(f"baseline {baseline!r} is in no comparison; models: {', '.join(map(str, counts.index[:10]))}")
    oriented = against_baseline(frame, baseline)
    lengths = _lengths(oriented)
    fit = None
    if lengths is not None:
        fit = fit_length_controlled(oriented["model_a"].to_numpy(), oriented["instruction"].to_numpy(),
                                    lengths, oriented["outcome"].to_numpy(), difficulties=difficulties)
    rows = []
    for model, group in oriented.groupby("model_a", sort=True):
        win, se, discrete = raw_win_rate(group["outcome"].to_numpy())
        lc = lc_se = None
        if fit is not None:
            lc, lc_se = lc_win_rate(fit, str(model), group["instruction"].to_numpy())
        rows.append(ModelWinRate(str(model), len(group), win, se, discrete, lc, lc_se,
                                 None if fit is None else fit.length_coefficient).__dict__)
    table = pd.DataFrame(rows)
    plain = controlled = None
    if frame["text_a"].notna().all() and frame["text_b"].notna().all() and frame["model_a"].nunique() + frame["model_b"].nunique() > 2:
        plain, controlled = style_controlled(frame, features, anchor=baseline, resamples=resamples, seed=seed)
        for name, ratings_fit in (("rating", plain), ("sc_rating", controlled)):
            ratings = ratings_fit.ratings.set_index("model")
            table[name] = table["model"].map(ratings["rating"])
            table[f"{name}_low"] = table["model"].map(ratings["rating_low"])
            table[f"{name}_high"] = table["model"].map(ratings["rating_high"])
            table[name.replace("rating", "rank")] = table["model"].map(ratings["rank"])
        table["rank_shift"] = table["rank"] - table["sc_rank"]
    sort = "lc_win_rate" if table["lc_win_rate"].notna().any() else "win_rate"
    return WinRateResult(table.sort_values(sort, ascending=False, ignore_index=True), baseline,
                         plain, controlled, {} if fit is None else fit.difficulties)
