"""How judges relate: pairwise agreement D(A, B) and position consistency under swapped order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..data.model import JudgmentSet

__all__ = ["agreement_matrix", "consistency_table"]


def agreement_matrix(judges: Sequence[JudgmentSet]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """D(A, B): the share of pairs judged by both A and B where their preferences are equal.

    Verdicts of 0 count as a value (two "no preference" verdicts agree; 0 vs ±1 disagree). Returns
    the matrix of shares and the matrix of pair counts it was computed on.
    """
    names = [j.judge for j in judges]
    series = [j.preferences() for j in judges]
    shares = pd.DataFrame(np.nan, index=names, columns=names)
    counts = pd.DataFrame(0, index=names, columns=names)
    for a, first in enumerate(series):
        for b, second in enumerate(series):
            if b < a:
                continue
            common = first.index.intersection(second.index)
            n = len(common)
            share = float((first.loc[common].to_numpy() == second.loc[common].to_numpy()).mean()) \
                if n else np.nan
            shares.iat[a, b] = shares.iat[b, a] = share
            counts.iat[a, b] = counts.iat[b, a] = n
    return shares, counts


def consistency_table(judges: Sequence[JudgmentSet]) -> pd.DataFrame:
    """Per judge, how often a verdict survives swapping the presentation order.

    Columns: ``judge``, ``n_both_orders`` (pairs with a parsed verdict in both orders),
    ``consistency`` (share of those whose two verdicts agree), ``prefers_first_shown`` (share of
    all per-order verdicts that picked the response shown first: 0.5 = no position bias) and
    ``n_ties`` (final preference 0). Judges without per-order verdicts get NaN.
    """
    rows = []
    for judge in judges:
        both = [j for j in judge if j.has_both_orders]
        n = len(both)
        consistent = sum(j.preference_orig_order == j.preference_swapped_order for j in both)
        # Orientation is original: -1 in the original order and +1 in the swapped order were
        # each the response shown first.
        first = sum((j.preference_orig_order == -1) + (j.preference_swapped_order == 1) for j in both)
        decided = sum((j.preference_orig_order != 0) + (j.preference_swapped_order != 0) for j in both)
        rows.append({
            "judge": judge.judge,
            "n_pairs": len(judge),
            "n_both_orders": n,
            "consistency": consistent / n if n else np.nan,
            "prefers_first_shown": first / decided if decided else np.nan,
            "n_ties": sum(j.preference == 0 for j in judge),
        })
    return pd.DataFrame(rows, columns=["judge", "n_pairs", "n_both_orders", "consistency",
                                       "prefers_first_shown", "n_ties"])
