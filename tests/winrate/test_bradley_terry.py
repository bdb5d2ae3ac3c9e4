"""Bradley–Terry ratings: battles summed per (model a, model b) and resamples given as draw counts
fit the same as the plain per-battle fit over copied rows (the textbook form, written out here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from preftree.winrate.bradley_terry import SCALE, fit_bradley_terry
from preftree.winrate.estimates import PRIOR_PRECISION, soft_logistic


def _battles(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    names = np.array([f"m{i}" for i in range(6)])
    a = rng.integers(0, 6, n)
    b = (a + rng.integers(1, 6, n)) % 6
    covariates = rng.normal(size=(n, 2))
    strength = np.linspace(-1, 1, 6)
    p = 1 / (1 + np.exp(-(strength[a] - strength[b] + covariates @ np.array([0.4, -0.3]))))
    draw = rng.random(n)
    outcome = np.where(draw < 0.1, 0.5, (draw < 0.1 + 0.9 * p).astype(float))  # ties count half
    return names[a], names[b], outcome, covariates


def _per_battle(model_a: np.ndarray, model_b: np.ndarray, outcome: np.ndarray, covariates: np.ndarray,
                names: list[str]) -> np.ndarray:
    """Every model's β (the first's 0) from one design row per battle, anchor the first name."""
    n, k = len(outcome), len(names)
    index = {name: i for i, name in enumerate(names)}
    rows = np.arange(n)
    a = np.array([index[m] for m in model_a])
    b = np.array([index[m] for m in model_b])
    models = sparse.csr_matrix((np.ones(n), (rows, a)), shape=(n, k)) - \
        sparse.csr_matrix((np.ones(n), (rows, b)), shape=(n, k))
    design = sparse.hstack([models.tocsc()[:, 1:], sparse.csr_matrix(covariates)]).tocsr()
    beta = soft_logistic(design, outcome, np.ones(n), np.full(design.shape[1], PRIOR_PRECISION))
    return np.insert(beta, 0, 0.0)


def test_summed_battles_and_draw_counts_fit_as_copied_battles() -> None:
    model_a, model_b, outcome, covariates = _battles(3000)
    names = sorted(set(model_a) | set(model_b))
    for x in (np.zeros((len(outcome), 0)), covariates):
        frame = pd.DataFrame(x, columns=[f"c{j}" for j in range(x.shape[1])]) if x.shape[1] else None
        result = fit_bradley_terry(model_a, model_b, outcome, frame, anchor=names[0], resamples=3, seed=7)
        expected = _per_battle(model_a, model_b, outcome, x, names)
        rating = result.ratings.set_index("model")["rating"].reindex(names).to_numpy()
        assert np.allclose(rating, 1000 + SCALE * expected[:len(names)], atol=0.02)  # Elo points
        if x.shape[1]:
            assert np.allclose(result.coefficients["coefficient"], expected[len(names):], atol=1e-4)
        rng = np.random.default_rng(7)  # the resamples: the same draws, each fitted on copied rows
        draws = []
        for _ in range(3):
            sample = rng.integers(0, len(outcome), len(outcome))
            draws.append(_per_battle(model_a[sample], model_b[sample], outcome[sample], x[sample], names))
        low = 1000 + SCALE * np.percentile(np.array(draws), 2.5, axis=0)[:len(names)]
        shown = result.ratings.set_index("model")["rating_low"].reindex(names).to_numpy()
        assert np.allclose(shown[1:], low[1:], atol=0.05)


def test_the_intervals_do_not_depend_on_the_threads() -> None:
    model_a, model_b, outcome, covariates = _battles(1500, seed=3)
    frame = pd.DataFrame(covariates, columns=["c0", "c1"])
    one, two = (fit_bradley_terry(model_a, model_b, outcome, frame, resamples=7, seed=2, jobs=jobs) for jobs in (1, 2))
    pd.testing.assert_frame_equal(one.ratings, two.ratings)
    pd.testing.assert_frame_equal(one.coefficients, two.coefficients)


def test_zero_threads_is_a_clear_error() -> None:
    from preftree.errors import ConfigError

    model_a, model_b, outcome, _ = _battles(50)
    with pytest.raises(ConfigError, match="thread count"):
        fit_bradley_terry(model_a, model_b, outcome, resamples=2, jobs=0)
