"""Scoring without padding waste: a prefix group's rows are bucketed by length (the prefix still
computed once), rows can run packed end to end, and the scores stay those of the full sequences
one at a time (float32, 1e-4)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from preftree.scoring import RewardScorer


def _shared_baseline(pairs: list[Any], models: int = 6) -> tuple[list[str], list[str]]:
    """AlpacaEval's shape: each prompt answered by a baseline and by ``models`` systems whose answers
    range from a word to several paragraphs (the spread that made groups pad 62 %)."""
    prompts, responses = [], []
    for i, pair in enumerate(pairs):
        long_answer = " ".join([pair.response_1, pair.response_2] * 2)[:900]
        answers = [pair.response_1, "Yes.", long_answer, pair.response_2[:40], pair.response_2,
                   long_answer[: len(long_answer) // 2], f"I cannot help with request {i}."][:models + 1]
        for answer in answers:
            prompts.append(pair.prompt)
            responses.append(answer)
    return prompts, responses


def _counting(scorer: RewardScorer, name: str) -> list[int]:
    """Wrap one of the loaded model's methods to count its calls (the real method still runs)."""
    calls: list[int] = []
    method = getattr(scorer.loaded_model, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return method(*args, **kwargs)

    setattr(scorer.loaded_model, name, counted)
    return calls


@pytest.mark.parametrize("architecture", ["llama", "gemma2"])
def test_prefix_groups_are_bucketed_by_length_with_the_prefix_computed_once(tiny_model, demo_pairs,
                                                                           architecture):
    folder = tiny_model(architecture, 1)
    prompts, responses = _shared_baseline(list(demo_pairs)[:8])
    sharing = RewardScorer.from_pretrained(folder, progress=False, cache=None, batch_tokens=512)
    prefixes, passes = _counting(sharing, "prefix_state"), _counting(sharing, "forward_shared")
    shared = sharing.score(prompts, responses)
    stats = sharing.last_stats
    one = RewardScorer.from_pretrained(folder, progress=False, cache=None, prefix_sharing=False,
                                       batch_tokens=1)
    np.testing.assert_allclose(shared, one.score(prompts, responses), atol=1e-4)
    groups = stats.path.split("shared in ")[1].split(" group")[0]
    assert int(groups) == len(prefixes) >= 6  # one prefix state per group, however many buckets
    assert len(passes) > len(prefixes)  # groups were cut into length buckets
    assert stats.padding_fraction <= 0.15, stats.padding_fraction
    assert stats.path.startswith("length-bucketed padded batches")


def test_whole_groups_padded_to_their_longest_row_is_what_bucketing_removes(tiny_model, demo_pairs):
    """The same rows with prefix sharing: bucketed, padding is a fraction of the one-pass-per-group
    figure (what `score` reported before: 62 % on the shared-baseline benchmark)."""
    folder = tiny_model("llama", 1)
    prompts, responses = _shared_baseline(list(demo_pairs)[:8])
    scorer = RewardScorer.from_pretrained(folder, progress=False, cache=None, batch_tokens=512)
    scorer.score(prompts, responses)
    lengths = [len(e) for e in scorer.formatter.encode(
        [scorer.formatter.render([{"role": "user", "content": p}, {"role": "assistant", "content": r}])
         for p, r in zip(prompts, responses)])]
    per_prompt = [lengths[i:i + 7] for i in range(0, len(lengths), 7)]
    whole_groups = 1 - sum(map(sum, per_prompt)) / sum(len(g) * max(g) for g in per_prompt)
    assert whole_groups > 0.4 and scorer.last_stats.padding_fraction < whole_groups / 3


@pytest.mark.parametrize("architecture", ["llama", "gemma2"])
def test_packed_rows_score_as_padded_rows(tiny_model, demo_pairs, architecture):
    folder = tiny_model(architecture, 1)
    pairs = list(demo_pairs)[:16]
    prompts = [p.prompt for p in pairs] * 2
    responses = [p.response_1 for p in pairs] + [p.response_2 for p in pairs]
    packed = RewardScorer.from_pretrained(folder, progress=False, cache=None, packing="on",
                                          prefix_sharing=False, batch_tokens=700)
    calls = _counting(packed, "forward_packed")
    plain = RewardScorer.from_pretrained(folder, progress=False, cache=None, packing="off",
                                         prefix_sharing=False)
    np.testing.assert_allclose(packed.score(prompts, responses), plain.score(prompts, responses), atol=1e-4)
    stats = packed.last_stats
    assert stats.padding_fraction == 0.0 and stats.path.startswith("rows packed without padding")
    assert "block-diagonal" in stats.path and len(calls) == stats.n_batches < len(prompts)
    assert plain.last_stats.path.startswith("length-bucketed")


def test_packing_auto_packs_only_with_variable_length_attention(tiny_model):
    """On CPU the attention is SDPA with a dense mask, where packing costs more than padding: auto
    leaves it off there and names the path it took."""
    scorer = RewardScorer.from_pretrained(tiny_model("llama", 1), progress=False, cache=None)
    scorer.score(["Say hi."], ["Hi."])
    assert scorer.loaded_model.packs_sequences and not scorer.loaded_model.varlen_attention
    assert scorer.last_stats.path == "length-bucketed padded batches"


def test_packing_option_is_checked():
    from preftree.errors import ConfigError
    from preftree.scoring.options import ScoringOptions

    with pytest.raises(ConfigError, match="packing"):
        ScoringOptions(packing="sometimes")  # type: ignore[arg-type]


@pytest.mark.gpu
def test_flash_attention_packs_by_default_and_scores_as_padded_rows(tiny_model, demo_pairs):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("FlashAttention's variable-length kernels need a CUDA GPU")
    pytest.importorskip("flash_attn", reason="the flash-attn package is not installed")
    folder = tiny_model("llama", 1)
    pairs = list(demo_pairs)[:16]
    prompts, responses = [p.prompt for p in pairs], [p.response_1 for p in pairs]
    flash = RewardScorer.from_pretrained(folder, progress=False, cache=None, device="cuda",
                                         dtype="bfloat16", attn_implementation="flash_attention_2")
    padded = RewardScorer.from_pretrained(folder, progress=False, cache=None, device="cuda",
                                          dtype="bfloat16", packing="off")
    np.testing.assert_allclose(flash.score(prompts, responses), padded.score(prompts, responses), atol=3e-2)
    assert flash.last_stats.path.startswith("rows packed without padding (variable-length attention)")


def test_a_bucket_holds_the_prefix_of_every_row_within_the_budget(tiny_model, demo_pairs):
    """Each row of a bucket holds the prefix's key/value cache: rows × (prefix + longest suffix)
    stay within --batch-tokens, and a smaller budget cuts the same group into more buckets."""
    folder = tiny_model("llama", 1)
    prompts, responses = [], []
    for pair in list(demo_pairs)[:3]:  # twelve answers of one length per prompt: buckets of many rows
        prompts += [pair.prompt] * 12
        responses += [f"{pair.response_1[:300]} {word}" for word in "abcdefghijkl"]
    sizes = {}
    for budget in (4096, 250):
        scorer = RewardScorer.from_pretrained(folder, progress=False, cache=None, batch_tokens=budget)
        seen: list[tuple[int, int]] = []
        method = scorer.loaded_model.forward_shared

        def recorded(prefix: Any, suffixes: Any, *state: Any, _method: Any = method,
                     _seen: list[tuple[int, int]] = seen) -> Any:
            _seen.append((len(prefix), max(len(s) for s in suffixes) * len(suffixes) + len(prefix) * len(suffixes)))
            return _method(prefix, suffixes, *state)

        scorer.loaded_model.forward_shared = recorded
        scorer.score(prompts, responses)
        assert seen and all(fed <= budget for _, fed in seen)
        sizes[budget] = len(seen)
    assert sizes[250] > sizes[4096]


def test_a_backend_without_prefix_state_still_shares_within_the_budget(tiny_model, demo_pairs):
    """A plug-in backend written to the earlier protocol (``forward_shared(prefix, suffixes)``, no
    ``prefix_state``) still shares prefixes, each bucket computing the prefix again, within the
    budget; scores unchanged. The wrapper below is a test double standing for such a plug-in
    around the real model."""
    folder = tiny_model("llama", 1)
    prompts, responses = _shared_baseline(list(demo_pairs)[:6])
    scorer = RewardScorer.from_pretrained(folder, progress=False, cache=None, batch_tokens=700)
    real = scorer.loaded_model

    class EarlierPlugin:
        shares_prefixes = True

        def __init__(self) -> None:
            self.tokenizer, self.attributes, self.max_length = real.tokenizer, real.attributes, real.max_length
            self.description, self.calls = real.description, 0

        def forward(self, batch: Any) -> Any:
            return real.forward(batch)

        def forward_shared(self, prefix: Any, suffixes: Any) -> Any:
            self.calls += 1
            assert len(suffixes) * (len(prefix) + max(map(len, suffixes))) <= 700 or len(suffixes) == 1
            return real.forward_shared(prefix, suffixes)

    plugin = EarlierPlugin()
    scorer.loaded_model = plugin  # type: ignore[assignment]
    got = scorer.score(prompts, responses)
    plain = RewardScorer.from_pretrained(folder, progress=False, cache=None, prefix_sharing=False)
    np.testing.assert_allclose(got, plain.score(prompts, responses), atol=1e-4)
    groups = int(scorer.last_stats.path.split("shared in ")[1].split(" group")[0])
    assert plugin.calls > groups >= 6  # groups cut under the budget, each bucket its own prefix pass


def test_batch_overhead_is_an_option_and_weighs_against_padding(tiny_model, demo_pairs):
    folder = tiny_model("llama", 1)
    pairs = list(demo_pairs)[:30]
    prompts, responses = [p.prompt for p in pairs], [p.response_1 for p in pairs]
    runs = {}
    for overhead in (0, 100_000):
        scorer = RewardScorer.from_pretrained(folder, progress=False, cache=None, batch_overhead=overhead,
                                              prefix_sharing=False)
        runs[overhead] = (scorer.score(prompts, responses), scorer.last_stats)
    np.testing.assert_allclose(runs[0][0], runs[100_000][0], atol=1e-4)
    assert runs[0][1].padding_fraction == 0.0 and runs[0][1].n_batches > runs[100_000][1].n_batches


@pytest.mark.parametrize("value", [-1, True, 1.5, float("inf"), float("nan"), 10**7, "32"])
def test_a_batch_overhead_out_of_range_is_refused(value):
    from preftree.errors import ConfigError
    from preftree.scoring.batching import plan_batches
    from preftree.scoring.options import ScoringOptions

    with pytest.raises(ConfigError, match="batch_overhead"):
        ScoringOptions(batch_overhead=value)
    if not isinstance(value, str) and value != 1.5:  # the planner takes fractional costs
        with pytest.raises(ConfigError, match="batch_overhead"):
            plan_batches([100] * 50, 1000, batch_overhead=value)
