from __future__ import annotations

import math

from preftree.data import Judgment, JudgmentSet
from preftree.explanation import agreement_matrix, consistency_table


def test_agreement_and_consistency_by_hand() -> None:
    a = JudgmentSet("a", [Judgment("1", "a", -1, -1, -1), Judgment("2", "a", 1, 1, 1),
                          Judgment("3", "a", 0, -1, 1)])
    b = JudgmentSet("b", [Judgment("1", "b", -1), Judgment("2", "b", -1), Judgment("4", "b", 1)])
    shares, counts = agreement_matrix([a, b])
    assert shares.loc["a", "b"] == 0.5 and counts.loc["a", "b"] == 2 and shares.loc["a", "a"] == 1.0
    table = consistency_table([a, b]).set_index("judge")
    assert table.loc["a", "consistency"] == 2 / 3
    # first-shown picks: pair 1 orig (-1) yes, swapped (-1) no; pair 2 no, yes; pair 3 yes, yes
    assert table.loc["a", "prefers_first_shown"] == 4 / 6
    assert table.loc["a", "n_ties"] == 1
    assert math.isnan(table.loc["b", "consistency"])
