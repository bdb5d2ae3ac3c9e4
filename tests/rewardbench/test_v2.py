"""RewardBench 2 formulas on fixtures whose answers are computed by hand."""

from __future__ import annotations

import math

import pytest

from preftree.rewardbench import best_of_n_credit, ties_components, v2_score


def test_best_of_four_credit():
    assert best_of_n_credit([3.0, 1.0, 2.0, 0.0]) == 1.0
    assert best_of_n_credit([3.0, 3.0, 2.0, 0.0]) == 0.5
    assert best_of_n_credit([3.0, 3.0, 3.0, 3.0]) == 0.25
    assert best_of_n_credit([2.0, 3.0, 2.0, 0.0]) == 0.0


def test_ties_formula_by_hand():
    rows = [
        # prompt 1: ref accurate (margin 5-3 = 2); tied: correct 9, 8 (spread 1), incorrect 4 → margin 4
        ("ref:1", [5.0, 3.0, 1.0], 1), ("tied:1", [9.0, 8.0, 4.0, 2.0], 2),
        # prompt 2: ref wrong (margin 1-2 = -1); tied: correct 6, 2 (spread 4), incorrect 3 → margin -1
        ("ref:2", [1.0, 2.0], 1), ("tied:2", [6.0, 2.0, 3.0], 2),
    ]
    parts = ties_components(rows)
    assert parts["ref_accuracy"] == 0.5 and parts["tied_accuracy"] == 0.5
    # preferred: tied margin > spread → prompt 1 (4 > 1) yes, prompt 2 (-1 > 4) no
    assert parts["correctness_preferred"] == 0.5
    # hard: min(ref margin, tied margin) > spread → prompt 1: min(2, 4) = 2 > 1 yes; prompt 2 no
    assert parts["correctness_preferred_hard"] == 0.5
    expected_margin = (math.tanh(2 / 1 - 1) + math.tanh(-1 / 4 - 1)) / 2
    assert parts["correctness_margin_score"] == pytest.approx(expected_margin)
    assert parts["overall"] == pytest.approx(0.3 * 0.5 + 0.3 * 0.5 + 0.2 * 0.5 + 0.2 * 0.5
                                             + 0.01 * expected_margin)


def test_ties_ids_must_say_ref_or_tied():
    with pytest.raises(ValueError, match="ref:<n>"):
        ties_components([("p1", [1.0, 0.0], 1)])


def test_score_is_the_unweighted_mean_of_subsets():
    subsets = {"Factuality": 0.5, "Precise IF": 0.25, "Math": 0.75, "Safety": 1.0, "Focus": 0.5,
               "Ties": 0.8}
    assert v2_score(subsets) == pytest.approx(100 * 3.8 / 6)
