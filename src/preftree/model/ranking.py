"""Best-of-n ranking from pairwise preference probabilities (pure numpy, no model here)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Ranking", "rank_from_pairwise", "symmetric_win_matrix"]


@dataclass(frozen=True)
class Ranking:
    """Responses ordered best first.

    ``order``: indices into the responses, best first. ``win_rate[i]``: response i's expected win
    rate against the others (mean of its pairwise win probabilities). ``wins[i]``: how many others
    it beats (win probability above one half). ``win_matrix[i, j]``: P(i beats j).
    """

    order: list[int]
    win_rate: np.ndarray
    wins: np.ndarray
    win_matrix: np.ndarray

    @property
    def best(self) -> int:
        return self.order[0]


def symmetric_win_matrix(p_second: np.ndarray) -> np.ndarray:
    """P(i beats j) from P(response_2 better) of every ordered pair, averaged over both orders.

    ``p_second[i, j]`` is the tree's P(response_2 better) with response_1 = i and response_2 = j.
    Averaging the two presentation orders makes ``W[i, j] + W[j, i] = 1``.

    >>> p = np.array([[0.5, 0.2], [0.9, 0.5]])
    >>> symmetric_win_matrix(p).round(2).tolist()
    [[0.5, 0.85], [0.15, 0.5]]
    """
    p_second = np.asarray(p_second, dtype=np.float64)
    win = 0.5 * (p_second.T + (1.0 - p_second))
    np.fill_diagonal(win, 0.5)
    return win


def rank_from_pairwise(win_matrix: np.ndarray) -> Ranking:
    """Order by pairwise wins (Copeland), then expected win rate, then input position (stable).

    Counting wins first means a response that beats every other always ranks first, which a plain
    mean of probabilities does not guarantee.

    >>> w = np.array([[0.5, 0.51, 0.51], [0.49, 0.5, 1.0], [0.49, 0.0, 0.5]])
    >>> rank_from_pairwise(w).order
    [0, 1, 2]
    """
    win_matrix = np.asarray(win_matrix, dtype=np.float64)
    n = len(win_matrix)
    off_diagonal = ~np.eye(n, dtype=bool)
    wins = ((win_matrix > 0.5) & off_diagonal).sum(axis=1)
    win_rate = np.where(n > 1, (win_matrix * off_diagonal).sum(axis=1) / max(n - 1, 1), 1.0)
    order = sorted(range(n), key=lambda i: (-wins[i], -round(float(win_rate[i]), 12), i))
    return Ranking(order, win_rate, wins, win_matrix)
