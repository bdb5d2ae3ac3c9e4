"""Prompt-prefix sharing gives the scores of the full sequences (float32, 1e-4) while computing
the shared prompt once; it steps aside where its cache does not apply."""

from __future__ import annotations

import numpy as np
import pytest

from preftree.scoring import RewardScorer
from preftree.scoring.batching import shared_prefix_groups


def _long(pairs):  # type: ignore[no-untyped-def]
    """Multi-turn prompts long enough to share, with four candidates each."""
    prompts, responses = [], []
    for i, pair in enumerate(pairs):
        history = [{"role": "user", "content": pair.prompt_text()},
                   {"role": "assistant", "content": pair.response_1},
                   {"role": "user", "content": f"And now, question {i}?"}]
        for candidate in (pair.response_1, pair.response_2, "Yes.", pair.response_2[:30]):
            prompts.append(history)
            responses.append(candidate)
    return prompts, responses


@pytest.mark.parametrize("labels, layout", [(1, "sequence-classifier"), (5, "decision-tree-reward")])
def test_shared_prefixes_give_the_full_sequences_scores(tiny_model, demo_pairs, labels, layout):
    folder = tiny_model("llama", labels, layout)
    prompts, responses = _long(list(demo_pairs)[:12])
    sharing = RewardScorer.from_pretrained(folder, progress=False, cache=None)
    plain = RewardScorer.from_pretrained(folder, progress=False, cache=None, prefix_sharing=False)
    assert sharing.loaded_model.shares_prefixes
    shared, full = sharing.score(prompts, responses), plain.score(prompts, responses)
    np.testing.assert_allclose(shared, full, atol=1e-4)
    assert sharing.last_stats.n_tokens < 0.6 * plain.last_stats.n_tokens  # the prompts once
    one = RewardScorer.from_pretrained(folder, progress=False, cache=None, prefix_sharing=False,
                                       batch_tokens=1)
    np.testing.assert_allclose(shared[:8], one.score(prompts[:8], responses[:8]), atol=1e-4)


def test_left_truncation_and_a_partly_filled_cache(tiny_model, demo_pairs, tmp_path):
    folder = tiny_model("llama", 1)
    prompts, responses = _long(list(demo_pairs)[:6])
    cache = tmp_path / "c.sqlite"
    warm = RewardScorer.from_pretrained(folder, progress=False, cache=cache, max_length=200,
                                        truncation="left")
    warm.score(prompts[:5], responses[:5])  # some rows of a group cached, the rest computed
    mixed = warm.score(prompts, responses)
    plain = RewardScorer.from_pretrained(folder, progress=False, cache=None, max_length=200,
                                         truncation="left", prefix_sharing=False)
    np.testing.assert_allclose(mixed, plain.score(prompts, responses), atol=1e-4)


def test_gemma2_takes_the_ordinary_path(tiny_model, demo_pairs):
    folder = tiny_model("gemma2", 1)
    scorer = RewardScorer.from_pretrained(folder, progress=False, cache=None)
    assert not scorer.loaded_model.shares_prefixes  # a sliding-window cache: not reused
    prompts, responses = _long(list(demo_pairs)[:3])
    plain = RewardScorer.from_pretrained(folder, progress=False, cache=None, prefix_sharing=False)
    np.testing.assert_allclose(scorer.score(prompts, responses), plain.score(prompts, responses), atol=1e-4)


def test_groups_are_by_token_prefix_and_leave_every_row_a_token():
    encoded = [[1, 2, 3], [1, 2, 3, 4], [1, 2, 9, 9], [5, 6]]
    groups, alone = shared_prefix_groups(encoded, ["p", "p", "p", "q"], min_prefix=1)
    [(prefix, rows)] = groups
    assert prefix == 2 and rows.tolist() == [0, 1, 2] and alone == [3]
    groups, alone = shared_prefix_groups(encoded, ["p", "p", "p", "q"], min_prefix=3)
    assert groups == [] and alone == [0, 1, 2, 3]
