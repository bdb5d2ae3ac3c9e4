"""Token-budget batching and truncation (pure functions)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preftree.scoring.batching import (
    TruncationError,
    padding_fraction,
    plan_batches,
    truncate,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 300), min_size=1, max_size=200), st.integers(1, 2000),
       st.floats(0.0, 0.5))
def test_every_sequence_lands_in_one_batch_within_budget_and_padding(lengths, budget, max_padding):
    batches = plan_batches(lengths, budget, max_padding)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(len(lengths)))
    for batch in batches:
        longest = max(lengths[i] for i in batch)
        assert len(batch) == 1 or len(batch) * longest <= budget
    assert padding_fraction(lengths, batches) <= max_padding + 1e-12
    # longest first: batch maxima never increase
    maxima = [max(lengths[i] for i in b) for b in batches]
    assert maxima == sorted(maxima, reverse=True)


def test_equal_lengths_fill_the_budget():
    batches = plan_batches([10] * 100, 100)
    assert [len(b) for b in batches] == [10] * 10
    assert padding_fraction([10] * 100, batches) == 0.0


def test_truncation_policies():
    seqs = [[1, 2, 3, 4], [5, 6]]
    assert truncate(seqs, 3, "left") == ([[2, 3, 4], [5, 6]], [0])
    assert truncate(seqs, 3, "right") == ([[1, 2, 3], [5, 6]], [0])
    with pytest.raises(TruncationError) as info:
        truncate(seqs, 3, "error")
    assert info.value.positions == [0] and info.value.lengths == [4]
