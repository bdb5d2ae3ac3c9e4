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


def _brute_force_cost(lengths: list[int], budget: int, max_padding: float, overhead: float) -> float:
    """The least cost over every way of cutting the length-sorted rows into runs."""
    ordered = sorted(lengths, reverse=True)
    n = len(ordered)
    best = float("inf")
    for mask in range(2 ** (n - 1)):
        bounds = [0] + [i + 1 for i in range(n - 1) if mask >> i & 1] + [n]
        cost = 0.0
        for a, b in zip(bounds, bounds[1:]):
            rows, longest = b - a, ordered[a]
            fed = rows * longest
            if rows > 1 and (fed > budget or sum(ordered[a:b]) < (1 - max_padding) * fed - 1e-9):
                break
            cost += fed + overhead
        else:
            best = min(best, cost)
    return best


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(1, 60), min_size=1, max_size=9), st.integers(1, 300),
       st.sampled_from([0.0, 0.05, 0.15, 1.0]), st.sampled_from([0, 1, 8, 32, 500]))
def test_batches_cost_the_least_padding_plus_overhead(lengths, budget, max_padding, overhead):
    """Fed tokens plus the per-batch overhead are the least any cut of the sorted rows achieves."""
    batches = plan_batches(lengths, budget, max_padding, batch_overhead=overhead)
    cost = sum(len(b) * max(lengths[i] for i in b) + overhead for b in batches)
    assert cost == pytest.approx(_brute_force_cost(lengths, budget, max_padding, overhead))


def test_per_batch_overhead_trades_padding_for_fewer_batches():
    lengths = list(range(100, 20, -1))  # every row a different length
    none = plan_batches(lengths, 4096, max_padding=1.0, batch_overhead=0)
    some = plan_batches(lengths, 4096, max_padding=1.0, batch_overhead=200)
    assert len(none) == len(lengths) and padding_fraction(lengths, none) == 0.0
    assert 1 < len(some) < len(lengths) and 0 < padding_fraction(lengths, some) < 0.15
