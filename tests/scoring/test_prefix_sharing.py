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


@pytest.mark.parametrize("architecture", ["llama", "gemma2"])
def test_edited_copies_share_the_whole_response(tiny_model, demo_pairs, architecture):
    """A probe's appended edits (the response plus filler) share the response, not only the prompt."""
    folder = tiny_model(architecture, 1)
    prompts, responses = [], []
    for pair in list(demo_pairs)[:6]:
        for tail in ("", " I hope this helps.", " Thank you for reading.", " Let me know."):
            prompts += [pair.prompt, pair.prompt]
            responses += [pair.response_1 + tail, pair.response_2 + tail]
    sharing = RewardScorer.from_pretrained(folder, progress=False, cache=None)
    plain = RewardScorer.from_pretrained(folder, progress=False, cache=None, prefix_sharing=False)
    assert sharing.loaded_model.shares_prefixes
    np.testing.assert_allclose(sharing.score(prompts, responses), plain.score(prompts, responses), atol=1e-4)
    assert sharing.last_stats.n_tokens < 0.45 * plain.last_stats.n_tokens


def test_gemma2_shares_within_its_sliding_window_only(tiny_model, demo_pairs, tmp_path):
    """Gemma-2's sliding layers hold every token within the window: rows up to it share, longer
    rows take the ordinary path (and both give the full sequences' scores)."""
    import json
    import shutil

    folder = shutil.copytree(tiny_model("gemma2", 1), tmp_path / "gemma2-window")
    config = json.loads((folder / "config.json").read_text())
    config["sliding_window"] = 96
    (folder / "config.json").write_text(json.dumps(config))
    prompts, responses = _long(list(demo_pairs)[:4])
    scorer = RewardScorer.from_pretrained(folder, progress=False, cache=None)
    plain = RewardScorer.from_pretrained(folder, progress=False, cache=None, prefix_sharing=False)
    assert scorer.loaded_model.shares_prefixes and scorer.loaded_model.shared_length_limit == 96
    np.testing.assert_allclose(scorer.score(prompts, responses), plain.score(prompts, responses), atol=1e-4)
    lengths = [len(e) for e in scorer.formatter.encode(
        [scorer.formatter.render(c) for c in _conversations(prompts, responses)])]
    assert any(n > 96 for n in lengths) and any(n <= 96 for n in lengths)  # both paths ran
    groups, alone = shared_prefix_groups(
        scorer.formatter.encode([scorer.formatter.render(c) for c in _conversations(prompts, responses)]),
        [json.dumps(p) for p in prompts], max_length=96)
    assert all(lengths[i] <= 96 for _, rows in groups for i in rows)
    assert {i for i, n in enumerate(lengths) if n > 96} <= set(alone)


def _conversations(prompts, responses):  # type: ignore[no-untyped-def]
    from preftree.scoring.chat import conversation

    return [conversation(p, r) for p, r in zip(prompts, responses)]


def test_groups_are_by_token_prefix_and_leave_every_row_a_token():
    encoded = [[1, 2, 3], [1, 2, 3, 4], [1, 2, 9, 9], [5, 6]]
    groups, alone = shared_prefix_groups(encoded, ["p", "p", "p", "q"], min_prefix=1)
    [(prefix, rows)] = groups
    assert prefix == 2 and rows.tolist() == [0, 1, 2] and alone == [3]
    groups, alone = shared_prefix_groups(encoded, ["p", "p", "p", "q"], min_prefix=3)
    assert groups == [] and alone == [0, 1, 2, 3]
