"""From comparisons to the win-rate table: raw and length-controlled win rates against a
baseline, and Bradley–Terry ratings with and without style control."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data.model import Pair, PairSet
from ..errors import InputError
from ..features.differences import FeatureTable
from .bradley_terry import BTResult, fit_bradley_terry, normalised_differences
from .estimates import (
    MAX_SE,
    LengthControlledFit,
    ModelWinRate,
    fit_length_controlled,
    lc_win_rate,
    raw_win_rate,
)
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
    notes: list[str] = field(default_factory=list)  # what a reader of the table must know
    skipped: list[tuple[str, int, str]] = field(default_factory=list)  # rows left out here
    n_comparisons: int = 0  # the comparisons the estimates use
    n_instructions: int = 0  # distinct instructions of the comparisons with the baseline
    warnings: list[dict[str, str]] = field(default_factory=list)  # {model, reason}: figures left empty


def against_baseline(frame: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """The comparisons of each model with ``baseline``, oriented model (a) vs baseline (b)."""
    first = frame[frame["model_b"] == baseline]
    second = frame[frame["model_a"] == baseline].rename(columns={
        "model_a": "model_b", "model_b": "model_a", "text_a": "text_b", "text_b": "text_a"})
    second = second.assign(outcome=1.0 - second["outcome"])
    return pd.concat([first, second[first.columns]], ignore_index=True)


MIN_MODELS_FOR_DIFFICULTIES = 3
"""Below this many models beside the baseline, instruction difficulties are not estimated (each
would be fitted to one or two annotations, absorbing the model's own wins): δ = 0."""


def _lengths(frame: pd.DataFrame) -> np.ndarray | None:
    if frame.empty or frame["text_a"].isna().any() or frame["text_b"].isna().any():
        return None
    return (frame["text_a"].str.len() - frame["text_b"].str.len()).to_numpy(float)


def _with_texts(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[tuple[str, int, str]]]:
    """Length and style control need both texts of every comparison: rows without them are left
    out when others have them (and listed); when none has them, no control is fitted (a note)."""
    missing = frame["text_a"].isna() | frame["text_b"].isna()
    if not missing.any():
        return frame, [], []
    if missing.all():
        return frame, ["no comparison carries both texts: no length or style control (raw win rates "
                       "and plain ratings only)"], []
    skipped = [(str(r.source), int(r.row), "a response text is missing (length and style control need both)")
               for r in frame[missing].itertuples(index=False)]
    note = (f"{int(missing.sum())} comparisons lack a response text and are left out of every estimate "
            f"(first: {skipped[0][0]} row {skipped[0][1]})")
    return frame[~missing].reset_index(drop=True), [note], skipped


def _differences(frame: pd.DataFrame, specs: Sequence[Any]) -> FeatureTable:
    """The feature specs evaluated on each battle's two texts (response_1 = a); each battle keeps
    its pair id and metadata, so ``scores:FILE`` and ``columns:NAME`` find their rows."""
    from ..features.differences import build_features

    ids = frame["id"].astype(str)
    repeats = ids.groupby(ids).cumcount()
    ids = ids.where(repeats == 0, ids + "#" + repeats.astype(str))  # the same pair in two files
    pairs = PairSet([Pair(pair_id, row.instruction, row.text_a, row.text_b, metadata=row.metadata or {})
                     for pair_id, row in zip(ids, frame.itertuples(index=False))], source="battles")
    return build_features(pairs, list(specs))


def _connected(frame: pd.DataFrame, baseline: str, notes: list[str]) -> pd.DataFrame:
    """The battles among the models the baseline reaches through battles: ratings of models
    with no path to it would be pinned only by the penalty, not comparable (a note names them)."""
    neighbours: dict[str, set[str]] = {}
    for a, b in zip(frame["model_a"], frame["model_b"]):
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    reached, frontier = {baseline}, [baseline]
    while frontier:
        for other in neighbours.get(frontier.pop(), ()):
            if other not in reached:
                reached.add(other)
                frontier.append(other)
    apart = sorted(set(neighbours) - reached)
    if not apart:
        return frame
    notes.append(f"{len(apart)} model(s) have no chain of battles to the baseline, so no rating: "
                 f"{', '.join(apart[:5])}{', ...' if len(apart) > 5 else ''}")
    return frame[frame["model_a"].isin(reached) & frame["model_b"].isin(reached)].reset_index(drop=True)


def _complete(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame built by hand (model_a, model_b, outcome, ...) given the bookkeeping columns."""
    defaults = {"instruction": lambda: frame.index.astype(str), "text_a": lambda: None, "text_b": lambda: None,
                "source": lambda: "comparisons", "row": lambda: np.arange(1, len(frame) + 1),
                "id": lambda: frame.index.astype(str), "metadata": lambda: [{}] * len(frame)}
    missing = {column: make() for column, make in defaults.items() if column not in frame.columns}
    return frame.assign(**missing) if missing else frame


def _choose_baseline(counts: pd.Series, baseline: str | None, declared: Collection[str]) -> tuple[str, str]:
    """The baseline and how it was chosen: given, the one AlpacaEval's files declare
    (``generator_1``), or the model in most comparisons (refused on a tie)."""
    if baseline is not None:
        if baseline not in counts:
            raise InputError(f"baseline {baseline!r} is in no comparison; models: "
                             f"{', '.join(map(str, counts.index[:10]))}")
        return baseline, "given"
    if len(declared) == 1:
        return next(iter(declared)), "the annotations' generator_1"
    if len(declared) > 1:
        raise InputError(f"the annotations name {len(declared)} baselines (generator_1: "
                         f"{', '.join(sorted(declared)[:5])}); give --baseline")
    top = counts[counts == counts.iloc[0]]
    if len(top) > 1:
        raise InputError(f"{', '.join(map(str, top.index[:5]))} are in the most comparisons ({counts.iloc[0]} "
                         "each); give --baseline")
    return str(counts.index[0]), "the model in most comparisons"


def style_controlled(frame: pd.DataFrame, table: FeatureTable | None, *, anchor: str | None,
                     resamples: int = 100, seed: int = 0, progress: bool = False,
                     jobs: int | None = -1) -> tuple[BTResult, BTResult | None]:
    """Bradley–Terry ratings without and with control for the features of ``table`` (any
    preftree feature spec computed on each battle's two texts: ``style``, ``model:NAME``, ...)."""
    plain = fit_bradley_terry(frame["model_a"], frame["model_b"], frame["outcome"], anchor=anchor,
                              resamples=resamples, seed=seed, progress=progress, label="plain", jobs=jobs)
    if table is None:
        return plain, None
    covariates = normalised_differences(table.values_1, table.values_2)
    covariates, dropped = distinct_covariates(covariates.loc[:, covariates.std() > 0])
    controlled = fit_bradley_terry(frame["model_a"], frame["model_b"], frame["outcome"],
                                   covariates.reset_index(drop=True), anchor=anchor,
                                   resamples=resamples, seed=seed, progress=progress, label="style-controlled",
                                   jobs=jobs)
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
        table[name.replace("rating", "rank")] = table["model"].map(ratings["rank"]).astype("Int64")
        label = "rating" if fit is plain else "style-controlled rating"
        for model, why in fit.unidentified.items():
            if model in set(table["model"]):
                _add_note(table, model, f"{label} not identified: {why}")
    if controlled is not None:
        table["rank_shift"] = table["rank"] - table["sc_rank"]


def _add_note(table: pd.DataFrame, model: str, note: str) -> None:
    at = table.index[table["model"] == model]
    for i in at:
        old = table.at[i, "note"]
        table.at[i, "note"] = note if not isinstance(old, str) or not old else f"{old}; {note}"


def _warnings(table: pd.DataFrame, fit: LengthControlledFit | None, plain: BTResult | None,
              controlled: BTResult | None) -> list[dict[str, str]]:
    """Every figure left empty or to be read with care, as (model, reason): the table's notes,
    and the shared terms (the length coefficient, style coefficients) the data do not identify."""
    found = [{"model": str(row.model), "reason": str(row.note)} for row in table.itertuples(index=False)
             if isinstance(row.note, str) and row.note]
    if fit is not None and fit.length_unidentified is not None:
        found.append({"model": "(all: length coefficient)", "reason": fit.length_unidentified})
    for fitted, label in ((plain, "ratings"), (controlled, "style-controlled ratings")):
        if fitted is not None:
            found += [{"model": f"(all: {name.strip('()')} of the {label})" if name.startswith("(") else
                       f"(all: {name})", "reason": why}
                      for name, why in fitted.unidentified.items() if name.startswith(("feature ", "("))]
    return found


def _baseline_table(frame: pd.DataFrame, counts: pd.Series, baseline: str,
                    difficulties: Mapping[str, float] | None, pooling: float | None,
                    length: tuple[float, float] | None, notes: list[str], apart: Collection[str] = frozenset()
                    ) -> tuple[pd.DataFrame, LengthControlledFit | None, int]:
    """Each model against the baseline: raw, discrete and LC win rates (notes appended); the
    fit, and how many distinct instructions the comparisons with the baseline hold."""
    oriented = against_baseline(frame, baseline)
    lengths = _lengths(oriented)
    fit = None
    others = oriented["model_a"].nunique()
    if difficulties is None and others < MIN_MODELS_FOR_DIFFICULTIES and lengths is not None:
        difficulties = {}
        notes.append(f"{others} model(s) beside the baseline: instruction difficulties need at least "
                     f"{MIN_MODELS_FOR_DIFFICULTIES} to be estimated, so δ = 0 (AlpacaEval's minimal GLM); "
                     "give --difficulties from a run over many models for AlpacaEval's full GLM")
    elif difficulties is None and lengths is not None:
        notes.append(f"instruction difficulties estimated from the {others} models given; the fewer the "
                     "models, the further LC can sit from AlpacaEval's (docs/winrate-alpacaeval.md)")
    if lengths is not None:
        fit = fit_length_controlled(oriented["model_a"].to_numpy(), oriented["instruction"].to_numpy(),
                                    lengths, oriented["outcome"].to_numpy(), difficulties=difficulties,
                                    pooling=pooling, length=length)
    rows = []
    for model, group in oriented.groupby("model_a", sort=True):
        win, se, discrete = raw_win_rate(group["outcome"].to_numpy())
        why: list[str] = []
        if len(group) > 1 and not np.isfinite(se):
            why.append(f"all {len(group)} comparisons have the same outcome: the win rate's SE is not identified")
        lc = lc_se = phi = None
        if fit is not None:
            lc, lc_se, phi, lc_why = _length_controlled(fit, str(model), group["instruction"].to_numpy())
            why += lc_why
        rows.append(ModelWinRate(str(model), len(group), win, None if not np.isfinite(se) else se, discrete,
                                 lc, lc_se, phi, "; ".join(why) or None).__dict__)
    rows.append(ModelWinRate(baseline, 0, 50.0, float("nan"), 50.0, None if fit is None else 50.0).__dict__)
    unrated = sorted(set(map(str, counts.index)) - {r["model"] for r in rows})
    rows += [ModelWinRate(m, 0, float("nan"), float("nan"), float("nan")).__dict__ for m in unrated]
    rated = [m for m in unrated if m not in apart]  # the others have no chain to it: said apart
    if rated:
        notes.append(f"{len(rated)} model(s) never met the baseline, so they have ratings but no win "
                     f"rate: {', '.join(rated[:5])}{', ...' if len(rated) > 5 else ''}")
    return pd.DataFrame(rows), fit, int(oriented["instruction"].nunique())


def _length_controlled(fit: LengthControlledFit, model: str, instructions: np.ndarray
                       ) -> tuple[float | None, float | None, float | None, list[str]]:
    """LC win rate, its SE and the length coefficient of ``model``, or None for each figure the
    data cannot identify, with the reasons."""
    phi = fit.model_length_coefficients.get(model, fit.length_coefficient)
    if fit.length_unidentified is not None:
        return None, None, None, [f"LC not identified, nor the length coefficient: {fit.length_unidentified}"]
    if model in fit.unidentified:
        return None, None, None, [f"LC not identified: {fit.unidentified[model]}"]
    lc, lc_se = lc_win_rate(fit, model, instructions)
    if not np.isfinite(lc_se) or lc_se > MAX_SE or lc_se <= 0:
        return None, None, phi, [f"LC not identified: its standard error ({lc_se:.3g} points) bounds nothing"]
    why = []
    if model in fit.one_sided:
        why.append("its length difference to the baseline never changes sign: LC extrapolates to equal "
                   "length with the other models' length effect")
    return lc, lc_se, phi, why


def win_rates(frame: pd.DataFrame, *, baseline: str | None = None, features: Sequence[Any] = ("style",),
              tree_features: Sequence[Any] | None = None, difficulties: Mapping[str, float] | None = None,
              pooling: float | None = None, resamples: int = 100, seed: int = 0,
              progress: bool = False, declared_baselines: Collection[str] = (),
              length: tuple[float, float] | None = None, jobs: int | None = -1) -> WinRateResult:
    """One row per model: n, win rate, its SE, the discrete win rate, the LC win rate and its SE
    (against ``baseline``), and the ratings and ranks with and without style control; the
    ordinary and residual trees over ``tree_features`` (default: ``features``). ``difficulties``
    and ``length`` = (φ, σ) come from a reference run when given (see
    :func:`.estimates.fit_length_controlled`). The bootstrap fits run on ``jobs`` threads."""
    if frame.empty:
        raise InputError("no comparisons to rate")
    frame = _complete(frame)
    itself = frame["model_a"] == frame["model_b"]  # a model against itself: 50 % by definition
    selves = [(str(r.source), int(r.row), "a model compared with itself (left out: 50 % by definition)")
              for r in frame[itself].itertuples(index=False)]
    frame, notes, skipped = _with_texts(frame[~itself].reset_index(drop=True))
    skipped = selves + skipped
    if selves:
        notes.append(f"{len(selves)} comparisons of a model with itself are left out (first: {selves[0][0]} "
                     f"row {selves[0][1]})")
    counts = pd.concat([frame["model_a"], frame["model_b"]]).value_counts()
    if counts.empty:
        raise InputError("every comparison is a model against itself: nothing to rate")
    baseline, how = _choose_baseline(counts, baseline, declared_baselines)
    notes.insert(0, f"baseline: {baseline} ({how})")
    connected = _connected(frame, baseline, notes)
    apart = set(map(str, counts.index)) - set(connected["model_a"]) - set(connected["model_b"])
    table, fit, n_instructions = _baseline_table(frame, counts, baseline, difficulties, pooling, length, notes,
                                                 apart)
    frame = connected
    n_comparisons = len(frame)
    has_texts = frame["text_a"].notna().all() and frame["text_b"].notna().all()
    specs = list(features) if has_texts else []
    tree_specs = list(features if tree_features is None else tree_features) if has_texts else []
    plain = controlled = None
    trees = None
    if frame[["model_a", "model_b"]].stack().nunique() >= 2:
        feature_table = _differences(frame, specs) if specs else None
        plain, controlled = style_controlled(frame, feature_table, anchor=baseline, resamples=resamples,
                                             seed=seed, progress=progress, jobs=jobs)
        _add_ratings(table, plain, controlled)
        if controlled is not None and tree_specs:
            tree_table = feature_table if tree_specs == specs else _differences(frame, tree_specs)
            assert tree_table is not None
            trees = fit_residual_trees(tree_table.diffs, frame["outcome"].to_numpy(), controlled.fitted, seed=seed)
    sort = "lc_win_rate" if table["lc_win_rate"].notna().any() else "win_rate"
    table = table.sort_values(sort, ascending=False, ignore_index=True, na_position="last")
    return WinRateResult(table, baseline, plain, controlled, {} if fit is None else fit.difficulties, fit, trees,
                         [spec_name(f) for f in specs], [spec_name(f) for f in tree_specs], notes, skipped,
                         n_comparisons, n_instructions, _warnings(table, fit, plain, controlled))


def spec_name(feature: Any) -> str:
    """A feature spec as written (``model:PATH`` for a bound model source)."""
    return str(getattr(feature, "spec", None) or feature)
