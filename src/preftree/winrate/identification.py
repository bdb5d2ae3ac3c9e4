"""Which coefficients of a logistic fit the data identify.

A maximum-likelihood logistic fit has no finite answer when a direction of the coefficients
separates the outcomes: a judge that always picks the longer answer drives the length term to
infinity, and a model that won every comparison its own term. A weak prior keeps the numbers
finite, but then they come from the prior, not the data, and must not be printed as estimates.

The test is exact, not a threshold on the fitted values. Hard outcomes (1 or 0) give
inequalities s_i · x_i·d ≥ 0 on a direction d (s = +1 for a win, −1 for a loss); a soft outcome
(a tie, 0.73) holds the likelihood at a finite optimum along every direction that moves it, so it
gives x_i·d = 0. One linear programme (HiGHS) finds the largest set S of rows some direction
separates with a positive margin (Konis, 2007); the directions that leave the likelihood
unbounded then span V = {d : x_i·d = 0 for every row outside S}, and coefficient j is not
identified exactly when some vector of V moves it. V also holds the directions that change no
fitted value at all (collinear columns), which are not identified either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

__all__ = ["Identification", "identify"]

HARD = 1e-9
"""Outcomes this close to 0 or 1 count as hard (a separating direction can fit them exactly)."""


@dataclass(frozen=True)
class Identification:
    """Per column whether the data pin it down; which rows a direction separates."""

    unidentified: np.ndarray  # bool per column
    separated_rows: np.ndarray  # bool per row: in the separated set S
    collinear: np.ndarray  # bool per column: moved by a direction that changes no fitted value

    @property
    def separated(self) -> bool:
        return bool(self.separated_rows.any())

    def reason(self, column: int) -> str:
        """Why column ``column`` is not identified, in words."""
        if self.separated:
            return (f"separated verdicts: {int(self.separated_rows.sum())} comparisons are predicted perfectly, "
                    "so the estimate would be infinite without the prior")
        return "collinear with other terms (the data cannot tell them apart)"


def identify(design: np.ndarray | sparse.spmatrix, outcome: np.ndarray) -> Identification:
    """The identification of every column of ``design`` for outcomes in [0, 1] (soft allowed)."""
    x = sparse.csr_matrix(design, dtype=float)
    y = np.asarray(outcome, float)
    n, p = x.shape
    if p == 0 or n == 0:
        return Identification(np.ones(p, bool), np.zeros(n, bool), np.ones(p, bool))
    separated = _separated_rows(x, y)
    free = _free_columns(x[~separated])
    collinear = _free_columns(x) if separated.any() else free
    return Identification(free, separated, collinear)


def _separated_rows(x: sparse.csr_matrix, y: np.ndarray) -> np.ndarray:
    """The largest set of hard rows that one direction separates with a positive margin:
    maximise Σ u_i subject to u_i ≤ s_i·x_i·d, 0 ≤ u_i ≤ 1, x_i·d = 0 on soft rows, d free (the
    cone is closed under scaling, so every separable row reaches u_i = 1 at the optimum)."""
    hard = (y <= HARD) | (y >= 1 - HARD)
    if not hard.any():
        return np.zeros(len(y), bool)
    n_hard = int(hard.sum())
    p = x.shape[1]
    signs = np.where(y[hard] >= 0.5, 1.0, -1.0)
    hard_rows = sparse.diags(signs) @ x[hard]
    # variables: d (p, free), u (n_hard, [0, 1]); constraint u_i − s_i x_i d ≤ 0
    upper = sparse.hstack([-hard_rows, sparse.identity(n_hard)]).tocsr()
    soft = x[~hard]
    equality = sparse.hstack([soft, sparse.csr_matrix((soft.shape[0], n_hard))]).tocsr() if soft.shape[0] else None
    cost = np.concatenate([np.zeros(p), -np.ones(n_hard)])
    bounds = [(None, None)] * p + [(0.0, 1.0)] * n_hard
    result = linprog(cost, A_ub=upper, b_ub=np.zeros(n_hard), A_eq=equality,
                     b_eq=None if equality is None else np.zeros(equality.shape[0]),
                     bounds=bounds, method="highs")
    out = np.zeros(len(y), bool)
    if result.status == 0:
        out[np.flatnonzero(hard)] = result.x[p:] > 0.5
    return out


def _free_columns(x: sparse.csr_matrix) -> np.ndarray:
    """Columns moved by some direction d with x·d = 0 (the null space of these rows)."""
    p = x.shape[1]
    if x.shape[0] == 0:
        return np.ones(p, bool)
    gram = (x.T @ x).toarray()
    scale = np.sqrt(np.clip(np.diag(gram), 0, None))
    empty = scale == 0
    scale[empty] = 1.0
    gram = gram / scale[:, None] / scale[None, :]
    values, vectors = np.linalg.eigh(gram)
    null = vectors[:, values < 1e-9 * max(float(values.max()), 1.0)]
    moved = np.abs(null).max(axis=1, initial=0.0) > 1e-6 if null.size else np.zeros(p, bool)
    return moved | empty
