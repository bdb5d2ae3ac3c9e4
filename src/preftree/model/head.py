"""Stage 1 of the recipe: one linear map from last-token hidden states to K attribute ratings,
fitted by ridge regression with the penalty chosen on a held-out split (as ArmoRM's stage 1).
Pure numpy; missing ratings are masked per attribute, never imputed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["HeadFit", "fit_ridge_head", "regression_metrics"]

RELATIVE_ALPHAS = tuple(10.0 ** k for k in range(-6, 4))
"""Penalties as multiples of the mean squared singular value of the centred training states, so
the grid adapts to the scale of the backbone's hidden states."""


@dataclass
class HeadFit:
    """A fitted head: ``ratings ≈ hidden @ weight.T + bias``, and its held-out figures."""

    weight: np.ndarray
    bias: np.ndarray
    metrics: pd.DataFrame


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[float, float]:
    """R² and Pearson r (NaN when the truth is constant).

    >>> regression_metrics(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.5]))
    (0.875, 0.9933992677987828)
    """
    total = float(np.sum((y_true - y_true.mean()) ** 2))
    if total == 0 or len(y_true) < 2:
        return float("nan"), float("nan")
    r2 = 1.0 - float(np.sum((y_true - y_pred) ** 2)) / total
    pearson = float(np.corrcoef(y_true, y_pred)[0, 1]) if np.std(y_pred) > 0 else float("nan")
    return r2, pearson


def _solve(x: np.ndarray, y: np.ndarray, x_valid: np.ndarray, y_valid: np.ndarray,
           alphas: Sequence[float]) -> tuple[np.ndarray, float, float, float]:
    """Ridge with intercept via one thin SVD; returns coef, intercept, alpha, held-out R²."""
    x_mean, y_mean = x.mean(axis=0), y.mean()
    u, s, vt = np.linalg.svd(x - x_mean, full_matrices=False)
    projected = u.T @ (y - y_mean)
    scale = float(np.mean(s ** 2)) or 1.0
    best: tuple[float, np.ndarray, float] | None = None
    for relative in alphas:
        alpha = relative * scale
        coef = vt.T @ (s / (s ** 2 + alpha) * projected)
        pred = (x_valid - x_mean) @ coef + y_mean
        r2, _ = regression_metrics(y_valid, pred)
        r2 = -np.inf if np.isnan(r2) else r2
        if best is None or r2 > best[0]:
            best = (r2, coef, alpha)
    assert best is not None
    r2, coef, alpha = best
    return coef, float(y_mean - x_mean @ coef), alpha, float(r2)


def fit_ridge_head(x_train: np.ndarray, y_train: np.ndarray, x_valid: np.ndarray,
                   y_valid: np.ndarray, attributes: Sequence[str],
                   alphas: Sequence[float] = RELATIVE_ALPHAS) -> HeadFit:
    """Fit one ridge regression per attribute (rows with a missing rating left out of that one)."""
    k = len(attributes)
    if y_train.shape[1] != k or y_valid.shape[1] != k:
        raise InputError(f"{k} attributes but ratings with {y_train.shape[1]} columns")
    weight = np.zeros((k, x_train.shape[1]))
    bias = np.zeros(k)
    rows = []
    for j, name in enumerate(attributes):
        train_rows, valid_rows = np.isfinite(y_train[:, j]), np.isfinite(y_valid[:, j])
        if train_rows.sum() < 2 or valid_rows.sum() < 2:
            raise InputError(f"attribute {name!r} has {int(train_rows.sum())} rated training and "
                             f"{int(valid_rows.sum())} held-out responses; need at least 2 of each")
        coef, intercept, alpha, _ = _solve(x_train[train_rows], y_train[train_rows, j],
                                           x_valid[valid_rows], y_valid[valid_rows, j], alphas)
        weight[j], bias[j] = coef, intercept
        pred = x_valid[valid_rows] @ coef + intercept
        r2, pearson = regression_metrics(y_valid[valid_rows, j], pred)
        rows.append({"attribute": name, "alpha": alpha, "n_train": int(train_rows.sum()),
                     "n_valid": int(valid_rows.sum()), "r2": r2, "pearson": pearson})
    return HeadFit(weight, bias, pd.DataFrame(rows))
