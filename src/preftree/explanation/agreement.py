"""How judges relate: pairwise agreement D(A, B), agreement where both decided, Cohen's κ,
position consistency under swapped order, and the metrics papers report against a gold label
(LLMBar's order-averaged accuracy, both-orders-correct and positional agreement)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..data.model import JudgmentSet

__all__ = ["agreement_matrix", "cohen_kappa", "consistency_table", "decided_agreement_matrix",
           "kappa_matrix", "label_agreement"]


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's κ of two raters over the same items (categories -1, 0, +1): agreement beyond
    chance; NaN with no items, 1.0 when both always give the same single category.

    >>> round(cohen_kappa(np.array([1, 1, -1, -1]), np.array([1, -1, -1, -1])), 3)
    0.5
    """
    a, b = np.asarray(a), np.asarray(b)
    if len(a) == 0:
        return float("nan")
    observed = float(np.mean(a == b))
    categories = np.union1d(a, b)
    expected = float(sum(np.mean(a == c) * np.mean(b == c) for c in categories))
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1.0 - expected)


def label_agreement(judge: JudgmentSet, gold: pd.Series) -> dict[str, float | int]:
    """A judge against a gold label, every figure with its n.

    - ``agreement``: share of the common pairs with equal preferences (a tie against a
      preference counts as a disagreement), over ``n``;
    - ``agreement_decided``: the same on the ``n_decided`` pairs where both have a preference;
    - ``kappa``: Cohen's κ over the common pairs (tie as a third category);
    - judges asked in both orders (LLMBar's definitions, over all ``n`` pairs; a missing or
      unparsable order counts as wrong): ``accuracy_original_order``,
      ``accuracy_swapped_order``, ``order_averaged_accuracy`` (their mean, LLMBar's "Acc."),
      ``both_orders_correct`` and ``positional_agreement`` (both orders equal, "Agr.").
    """
    own = judge.preferences()
    common = own.index.intersection(gold.index)
    mine, theirs = own.loc[common].to_numpy(), gold.loc[common].to_numpy()
    decided = (mine != 0) & (theirs != 0)
    out: dict[str, float | int] = {
        "n": int(len(common)),
        "agreement": float(np.mean(mine == theirs)) if len(common) else float("nan"),
        "n_decided": int(decided.sum()),
        "agreement_decided": float(np.mean(mine[decided] == theirs[decided])) if decided.any()
        else float("nan"),
        "kappa": cohen_kappa(mine, theirs),
    }
    orders = [judge[i] for i in common]
    if any(j.has_both_orders for j in orders):
        first = np.array([j.preference_orig_order if j.preference_orig_order is not None else 99
                          for j in orders])
        second = np.array([j.preference_swapped_order if j.preference_swapped_order is not None
                           else 98 for j in orders])
        right_first, right_second = first == theirs, second == theirs
        out.update({
            "accuracy_original_order": float(right_first.mean()),
            "accuracy_swapped_order": float(right_second.mean()),
            "order_averaged_accuracy": float((right_first.mean() + right_second.mean()) / 2),
            "both_orders_correct": float((right_first & right_second).mean()),
            "positional_agreement": float(np.mean(first == second)),
        })
    return out


def decided_agreement_matrix(judges: Sequence[JudgmentSet]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """D(A, B) on the pairs where both A and B have a preference (no ties), and those counts."""
    return agreement_matrix(judges, decided_only=True)


def kappa_matrix(judges: Sequence[JudgmentSet]) -> pd.DataFrame:
    """Cohen's κ between every two judges over the pairs both judged."""
    names = [j.judge for j in judges]
    series = [j.preferences() for j in judges]
    kappas = pd.DataFrame(np.nan, index=names, columns=names)
    for a, first in enumerate(series):
        for b, second in enumerate(series[a:], start=a):
            common = first.index.intersection(second.index)
            kappas.iat[a, b] = kappas.iat[b, a] = cohen_kappa(first.loc[common].to_numpy(),
                                                              second.loc[common].to_numpy())
    return kappas


def agreement_matrix(judges: Sequence[JudgmentSet], *,
                     decided_only: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """D(A, B): the share of pairs judged by both A and B where their preferences are equal.

    Verdicts of 0 count as a value (two "no preference" verdicts agree; 0 vs ±1 disagree);
    ``decided_only`` keeps only the pairs where both have a preference. Returns the matrix of
    shares and the matrix of pair counts it was computed on.
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
            x, y = first.loc[common].to_numpy(), second.loc[common].to_numpy()
            if decided_only:
                x, y = x[(x != 0) & (y != 0)], y[(x != 0) & (y != 0)]
            n = len(x)
            share = float((x == y).mean()) if n else np.nan
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
