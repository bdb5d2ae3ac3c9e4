"""Best-of-n ranking from pairwise probabilities."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from preftree.model.ranking import rank_from_pairwise, symmetric_win_matrix


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 7), st.just(7)).map(lambda s: (s[0], s[0])),
              elements=st.floats(0, 1)))
def test_win_matrix_is_complementary_and_a_beat_all_response_ranks_first(p_second):
    win = symmetric_win_matrix(p_second)
    np.testing.assert_allclose(win + win.T, 1.0)
    ranking = rank_from_pairwise(win)
    assert sorted(ranking.order) == list(range(len(win)))
    beats_all = [i for i in range(len(win)) if all(win[i, j] > 0.5 for j in range(len(win)) if j != i)]
    if beats_all:
        assert ranking.best == beats_all[0]
    assert ((ranking.win_rate >= 0) & (ranking.win_rate <= 1)).all()


def test_ties_keep_the_input_order():
    assert rank_from_pairwise(np.full((4, 4), 0.5)).order == [0, 1, 2, 3]


def test_one_response():
    ranking = rank_from_pairwise(np.array([[0.5]]))
    assert ranking.order == [0] and ranking.win_rate.tolist() == [1.0]
