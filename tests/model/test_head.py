"""Ridge head: recovers a linear map, chooses the penalty on held-out data, masks missing ratings."""

from __future__ import annotations

import numpy as np
import pytest

from preftree.errors import InputError
from preftree.model.head import fit_ridge_head


def _data(n=600, d=40, k=3, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) * rng.uniform(0.5, 5, size=d) + 3.0
    w = rng.normal(size=(k, d))
    y = x @ w.T + np.array([1.0, -2.0, 0.5]) + noise * rng.normal(size=(n, k)) * np.std(x @ w.T, axis=0)
    return x, y, w


def test_recovers_a_linear_map_with_intercept():
    x, y, w = _data()
    fit = fit_ridge_head(x[:500], y[:500], x[500:], y[500:], ["a", "b", "c"])
    assert (fit.metrics["r2"] > 0.95).all() and (fit.metrics["pearson"] > 0.97).all()
    np.testing.assert_allclose(fit.weight, w, atol=0.1 * np.abs(w).max())
    pred = x[500:] @ fit.weight.T + fit.bias
    assert np.corrcoef(pred[:, 1], y[500:, 1])[0, 1] > 0.97


def test_missing_ratings_are_masked_not_imputed():
    x, y, _ = _data()
    holes = y.copy()
    holes[::3, 2] = np.nan
    masked = fit_ridge_head(x[:500], holes[:500], x[500:], holes[500:], ["a", "b", "c"])
    kept = np.isfinite(holes[:500, 2])
    kept_valid = np.isfinite(holes[500:, 2])
    only = fit_ridge_head(x[:500][kept], y[:500][kept], x[500:][kept_valid], y[500:][kept_valid],
                          ["a", "b", "c"])
    np.testing.assert_allclose(masked.weight[2], only.weight[2], rtol=1e-8, atol=1e-10)
    assert masked.metrics.loc[2, "n_train"] == kept.sum()
    assert masked.metrics.loc[0, "n_train"] == 500


def test_penalty_grows_when_features_are_noise():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 60))
    y = rng.normal(size=(80, 1))
    fit = fit_ridge_head(x[:60], y[:60], x[60:], y[60:], ["noise"])
    signal = fit_ridge_head(*(lambda a, b: (a[:60], b[:60], a[60:], b[60:]))(x, x[:, :1] * 2.0),
                            ["signal"])
    assert fit.metrics.loc[0, "alpha"] > signal.metrics.loc[0, "alpha"]


def test_an_attribute_without_ratings_is_an_error():
    x, y, _ = _data()
    y[:, 1] = np.nan
    with pytest.raises(InputError, match="attribute 'b' has 0 rated"):
        fit_ridge_head(x[:500], y[:500], x[500:], y[500:], ["a", "b", "c"])
