"""Ratings of many models from pairwise battles, with and without style control.

A Bradley–Terry model fitted by logistic regression: for a battle of a against b,

    logit P(a beats b) = β_a − β_b + Σ_k γ_k · z_k

where z_k are the scaled *normalised differences* of the style covariates (Chatbot Arena's
style control: (f_a − f_b) / (f_a + f_b) per feature, then scaled over the battles) — any
per-response feature works: style counts, rating columns, reward-model attribute scores. A tie
counts half a win for each side. Ratings are on the Elo scale (400 / ln 10 · β + 1000, the
anchor model at 1000); intervals and the coefficients' are bootstrap percentiles over battles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import expit

from .._progress import progress_bar
from .._threads import map_drawn
from .estimates import PRIOR_PRECISION, soft_logistic
from .identification import identify

__all__ = ["BTResult", "fit_bradley_terry", "normalised_differences"]

SCALE = 400 / np.log(10)
BASE = 1000.0
MAX_INTERVAL_ELO = 800.0
"""A rating whose 95 % bootstrap interval is wider than this (Elo points, about 4.6 logits) is
left empty: the data bound it only loosely, and a point estimate beside it would claim more."""


def normalised_differences(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Arena's covariates: (a − b) / (a + b) (0 where both are 0), scaled to unit root mean square
    per column (Arena also centres them; a centred difference moves the tie point off "equal
    style" whenever the battles' orientation is not random, as against a baseline).
    Features that can be negative (reward-model scores) use the plain difference instead."""
    a, b = first.to_numpy(float), second.to_numpy(float)
    nonnegative = (a >= 0).all(axis=0) & (b >= 0).all(axis=0)
    total = a + b
    ratio = np.divide(a - b, total, out=np.zeros_like(a), where=total != 0)
    values = np.where(nonnegative[None, :], ratio, a - b)
    spread = np.sqrt(np.mean(values ** 2, axis=0))  # scaled, not centred: a difference of 0 stays "equal
    values = values / np.where(spread > 0, spread, 1.0)  # style" when every battle has the same side first
    return pd.DataFrame(values, columns=list(first.columns), index=first.index)


@dataclass
class BTResult:
    """Ratings (Elo scale) per model, with 95 % bootstrap intervals; style coefficients."""

    ratings: pd.DataFrame            # model, rating, rating_low, rating_high, rank
    coefficients: pd.DataFrame = field(default_factory=pd.DataFrame)  # feature, coefficient, low, high
    fitted: np.ndarray = field(default_factory=lambda: np.zeros(0))  # P(a beats b) per battle
    dropped: dict[str, str] = field(default_factory=dict)  # covariate left out → its near-copy kept
    unidentified: dict[str, str] = field(default_factory=dict)  # model or feature → why it is left empty


def _design(code_a: np.ndarray, code_b: np.ndarray, covariates: np.ndarray, k: int,
            anchor: int) -> sparse.csr_matrix:
    """One column per model but the anchor's (+1 for a, −1 for b: the anchor's β is 0), then
    the covariates; sparse, so a million battles among a hundred models stay small. Models are
    given by their index among the ``k`` sorted names."""
    n = len(code_a)
    rows = np.arange(n)
    models = sparse.csr_matrix((np.ones(n), (rows, code_a)), shape=(n, k)) - \
        sparse.csr_matrix((np.ones(n), (rows, code_b)), shape=(n, k))
    keep = [c for c in range(k) if c != anchor]
    return sparse.hstack([models.tocsc()[:, keep], sparse.csr_matrix(covariates)]).tocsr()


class _Battles:
    """The logistic fit of the ratings, set up once for the point estimate and every resample.

    A resample is a weight per battle (how often it was drawn), the same fit as copying the drawn
    battles. Without covariates every battle of the same two models in the same order has the
    same design row, so the battles are summed into one row per (a, b): its weight the battles'
    and its target their mean outcome. The loss is the same sum, over a few hundred rows instead
    of a million."""

    def __init__(self, code_a: np.ndarray, code_b: np.ndarray, outcome: np.ndarray,
                 covariates: np.ndarray, k: int, anchor: int) -> None:
        self.anchor, self.outcome = anchor, outcome
        if covariates.shape[1]:
            self.cell = None
            self.design = _design(code_a, code_b, covariates, k, anchor)
        else:
            cells, self.cell = np.unique(code_a * k + code_b, return_inverse=True)
            self.n_cells = len(cells)
            self.design = _design(cells // k, cells % k, np.zeros((len(cells), 0)), k, anchor)
        self.penalty = np.full(self.design.shape[1], PRIOR_PRECISION)

    def fit(self, counts: np.ndarray) -> np.ndarray:
        """Every model's β (the anchor's 0), then the covariates', fitted with ``counts`` per battle."""
        if self.cell is None:
            weight, target = counts, self.outcome
        else:
            weight = np.bincount(self.cell, weights=counts, minlength=self.n_cells)
            wins = np.bincount(self.cell, weights=counts * self.outcome, minlength=self.n_cells)
            target = np.divide(wins, weight, out=np.zeros_like(wins), where=weight > 0)
        beta = soft_logistic(self.design, target, weight, self.penalty)
        return np.insert(beta, self.anchor, 0.0)


def fit_bradley_terry(model_a: np.ndarray, model_b: np.ndarray, outcome: np.ndarray,
                      covariates: pd.DataFrame | None = None, *, anchor: str | None = None,
                      resamples: int = 100, seed: int = 0, progress: bool = False,
                      label: str = "ratings", jobs: int | None = -1) -> BTResult:
    """Fit the ratings (and style coefficients when ``covariates`` has columns); ``outcome`` is
    P(a beats b) per battle (1, 0, 0.5 for a tie, or a soft preference). The resamples are fitted
    on ``jobs`` threads (-1: every core), drawn in order, so the intervals do not depend on it."""
    model_a, model_b = np.asarray(model_a, str), np.asarray(model_b, str)
    outcome = np.asarray(outcome, float)
    names = sorted(set(model_a) | set(model_b))
    order = np.asarray(names, dtype=str)  # a battle's model found by bisection once, not per resample
    code_a, code_b = np.searchsorted(order, model_a), np.searchsorted(order, model_b)
    anchor_index = names.index(anchor) if anchor in names else 0
    x = np.zeros((len(outcome), 0)) if covariates is None else covariates.to_numpy(float)
    features = [] if covariates is None else list(covariates.columns)
    k = len(names)
    battles = _Battles(code_a, code_b, outcome, x, k, anchor_index)
    point = battles.fit(np.ones(len(outcome)))
    rng = np.random.default_rng(seed)
    bar = progress_bar(total=resamples, desc=f"bootstrap ({label})", unit="fit", disable=not progress or not resamples)

    def draw() -> np.ndarray:  # how often each battle was drawn: the fit of the copied battles
        return np.bincount(rng.integers(0, len(outcome), len(outcome)), minlength=len(outcome)).astype(float)

    def refit(counts: np.ndarray) -> np.ndarray:
        beta = battles.fit(counts)
        bar.update(1)
        return beta

    with bar:
        draws = map_drawn(refit, draw, resamples, jobs)
    if draws:
        spread = np.array(draws)
        low, high = np.percentile(spread, 2.5, axis=0), np.percentile(spread, 97.5, axis=0)
    else:  # no resamples: no intervals
        low = high = np.full(len(point), np.nan)
    design = battles.design if battles.cell is None else _design(code_a, code_b, x, k, anchor_index)
    fitted = expit(design @ np.delete(point, anchor_index))  # the prior's values too: what was fitted
    found = identify(design, outcome)
    blank = np.insert(found.unidentified, anchor_index, False)  # the anchor is 0 by definition
    unidentified = {(names[j] if j < k else f"feature {features[j - k]}"): found.reason(0)
                    for j in np.flatnonzero(blank)}
    width = SCALE * (high[:k] - low[:k])
    for j in np.flatnonzero(np.isfinite(width) & (width > MAX_INTERVAL_ELO) & ~blank[:k]):
        unidentified[names[j]] = (f"its 95 % bootstrap interval spans {width[j]:.0f} Elo points: the data "
                                  "bound it only loosely")
        blank[j] = True
    measured = ~blank & (np.arange(len(blank)) != anchor_index)  # the anchor is 0 in every resample
    flat = bool(draws) and bool(measured.any()) and bool(np.all(np.abs(high - low)[measured] < 1e-9))
    point, low, high = (np.where(blank, np.nan, v) for v in (point, low, high))
    if flat:  # every resample gave the same estimate (all ties): no spread is no certainty
        low = high = np.full(len(point), np.nan)
        unidentified["(intervals)"] = ("every bootstrap resample gives the same estimate (the outcomes do not "
                                       "vary), so there is no interval")
    ratings = pd.DataFrame({"model": names, "rating": BASE + SCALE * point[:k],
                            "rating_low": BASE + SCALE * low[:k], "rating_high": BASE + SCALE * high[:k]})
    ratings["rank"] = ratings["rating"].rank(ascending=False, method="min").astype("Int64")
    if blank[:k].any():  # where some models have no rating, nobody's place among them is known
        ratings["rank"] = pd.array([pd.NA] * k, dtype="Int64")
        unidentified["(ranks)"] = (f"{int(blank[:k].sum())} model(s) have no identified rating, so no model's "
                                   "rank among them is known")
    coefficients = pd.DataFrame({"feature": features, "coefficient": point[k:],
                                 "low": low[k:], "high": high[k:]})
    return BTResult(ratings.sort_values("rating", ascending=False, ignore_index=True, na_position="last"),
                    coefficients, fitted, unidentified=unidentified)
