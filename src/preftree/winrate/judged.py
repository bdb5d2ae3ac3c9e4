"""Comparisons from a preftree judge file over pairs whose metadata names each response's model.

A judge file (``preftree judge``, ``compare``, RLHFlow's or JudgeBench's layout) says which
response of each pair won; the pairs file says who wrote each response, in two metadata columns:
``generator_1``/``generator_2`` (AlpacaEval's names), ``model_a``/``model_b`` (Arena's, with
``response_1`` = a) or the columns given with ``model_columns``. The outcome is P(response_1
wins): the mean of the two presentation orders' verdicts when both are known (a judge that
flips with the order gives 0.5), else the kept verdict (−1 → 1, +1 → 0, 0 → 0.5).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..data.model import JudgmentSet, PairSet
from ..errors import InputError
from .inputs import COLUMNS, Comparisons, comparisons_from_pairs

__all__ = ["MODEL_COLUMN_PAIRS", "comparisons_from_judgments"]

MODEL_COLUMN_PAIRS = (("generator_1", "generator_2"), ("model_a", "model_b"), ("model_1", "model_2"))


def _model_columns(pairs: PairSet, given: Sequence[str] | None) -> tuple[str, str]:
    present = set(pairs.metadata_columns())
    if given is not None:
        if len(given) != 2 or not all(given):
            raise InputError(f"--model-columns takes two column names (response_1's model, "
                             f"response_2's), got {list(given)}")
        missing = [c for c in given if c not in present]
        if missing:
            raise InputError(f"the pairs have no column {missing[0]!r}; their extra columns: "
                             f"{', '.join(sorted(present)) or 'none'}", path=pairs.source)
        return given[0], given[1]
    found = [c for c in MODEL_COLUMN_PAIRS if set(c) <= present]
    if not found:
        raise InputError("the pairs do not say which model wrote each response: no "
                         f"{' / '.join('+'.join(c) for c in MODEL_COLUMN_PAIRS)} columns; give "
                         f"--model-columns COL1,COL2 (their extra columns: "
                         f"{', '.join(sorted(present)) or 'none'})", path=pairs.source)
    return found[0]


def _outcome(orig: int | None, swapped: int | None, kept: int) -> float:
    """P(response_1 wins) from verdicts in {-1, 0, +1} (−1 = response_1 better)."""
    orders = [v for v in (orig, swapped) if v is not None]
    verdicts = orders if len(orders) == 2 else [kept]
    return sum((1 - v) / 2 for v in verdicts) / len(verdicts)


def comparisons_from_judgments(pairs: PairSet, judges: Sequence[JudgmentSet],
                               model_columns: Sequence[str] | None = None) -> Comparisons:
    """One comparison per judged pair: response_1's model (a) against response_2's (b)."""
    if len(judges) != 1:
        names = ", ".join(repr(j.judge) for j in judges) or "none"
        raise InputError(f"win rates are one judge's: the judge files hold {len(judges)} judges ({names}); "
                         "give one judge's file")
    judge = judges[0]
    first, second = _model_columns(pairs, model_columns)
    outcomes = {v.pair_id: _outcome(v.preference_orig_order, v.preference_swapped_order, v.preference)
                for v in judge}
    rows, skipped = comparisons_from_pairs(pairs, outcomes, first, second, str(judge.source))
    layout = f"judge file of {judge.judge!r} over {pairs.source} ({first}, {second})"
    return Comparisons(pd.DataFrame(rows, columns=COLUMNS), {str(judge.source): layout}, skipped)
