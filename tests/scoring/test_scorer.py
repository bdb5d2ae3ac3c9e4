"""RewardScorer on tiny random Llama / Gemma-2 checkpoints: layouts, reference forwards, batch
invariance, deduplication, cache hits, truncation, pad tokens and chat templates."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

from preftree.errors import InputError
from preftree.scoring import RewardScorer
from preftree.scoring.chat import conversation
from preftree.scoring.tiny import CHAT_TEMPLATE, save_tiny_reward_model, train_tokenizer


def _inputs(demo_pairs, n=40):
    pairs = list(demo_pairs)[:n]
    return [p.prompt for p in pairs], [p.response_2 for p in pairs]


def _token_ids(folder, prompt, response):
    tokenizer = AutoTokenizer.from_pretrained(folder)
    text = tokenizer.apply_chat_template(conversation(prompt, response), tokenize=False)
    return torch.tensor([tokenizer(text, add_special_tokens=False)["input_ids"]])


@pytest.mark.parametrize("architecture", ["llama", "gemma2"])
@pytest.mark.parametrize("num_labels", [1, 5])
def test_sequence_classifier_matches_the_models_own_forward(tiny_model, demo_pairs, architecture,
                                                            num_labels):
    folder = tiny_model(architecture, num_labels)
    scorer = RewardScorer.from_pretrained(folder, progress=False)
    prompts, responses = _inputs(demo_pairs, 12)
    scores = scorer.score(prompts, responses)
    assert scores.shape == (12, num_labels)
    assert scorer.attributes == (["reward"] if num_labels == 1 else [f"label_{i}" for i in range(5)])
    reference = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    with torch.no_grad():  # one unpadded sequence at a time: the model's own pooling and head
        expected = np.stack([reference(_token_ids(folder, p, r)).logits[0].numpy()
                             for p, r in zip(prompts, responses)])
    np.testing.assert_allclose(scores, expected, atol=1e-4, rtol=0)
    assert np.std(scores) > 0.1  # a real spread, not constants


@pytest.mark.parametrize("architecture", ["llama", "gemma2"])
def test_decision_tree_reward_layout_loads_without_remote_code(tiny_model, demo_pairs, architecture):
    folder = tiny_model(architecture, 5, "decision-tree-reward")
    scorer = RewardScorer.from_pretrained(folder, progress=False)  # trust_remote_code is False
    assert scorer.attributes == ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]
    assert "bias" in scorer.description["head"]
    prompts, responses = _inputs(demo_pairs, 8)
    scores = scorer.score(prompts, responses)
    # Reference: the plain backbone, the last token's hidden state, and W h + b from the file.
    weights = load_file(str(folder / "model.safetensors"))
    backbone = AutoModel.from_pretrained(folder).eval()
    with torch.no_grad():
        hidden = [backbone(_token_ids(folder, p, r)).last_hidden_state[0, -1]
                  for p, r in zip(prompts, responses)]
        expected = torch.stack(hidden) @ weights["score.weight"].T + weights["score.bias"]
    np.testing.assert_allclose(scores, expected.numpy(), atol=1e-4, rtol=0)
    assert np.abs(weights["score.bias"].numpy()).max() > 0.05  # the bias matters in this check


def test_batch_size_and_order_do_not_change_scores(tiny_model, demo_pairs):
    folder = tiny_model("llama", 5)
    prompts, responses = _inputs(demo_pairs, 60)
    runs = []
    for budget in (1, 200, 2000, 100_000):  # the batching path itself: no shared prefixes
        scorer = RewardScorer.from_pretrained(folder, progress=False, batch_tokens=budget,
                                              prefix_sharing=False)
        runs.append(scorer.score(prompts, responses))
        if budget == 1:
            assert scorer.last_stats.n_batches == 60
        if budget == 100_000:
            assert scorer.last_stats.n_batches < 20  # several rows per forward
    for other in runs[1:]:
        np.testing.assert_allclose(other, runs[0], atol=1e-4, rtol=0)
    order = np.random.default_rng(0).permutation(60)
    shuffled = RewardScorer.from_pretrained(folder, progress=False).score(
        [prompts[i] for i in order], [responses[i] for i in order])
    np.testing.assert_allclose(shuffled, runs[0][order], atol=1e-4, rtol=0)


def test_each_distinct_text_is_scored_once(tiny_model, demo_pairs):
    scorer = RewardScorer.from_pretrained(tiny_model("llama", 1), progress=False)
    prompts, responses = _inputs(demo_pairs, 10)
    scores = scorer.score(prompts * 3, responses * 3)
    assert scorer.last_stats.n_texts == 30 and scorer.last_stats.n_computed == 10
    np.testing.assert_array_equal(scores[:10], scores[20:])


def test_cache_hits_across_runs_and_files(tiny_model, demo_pairs, tmp_path):
    folder, cache = tiny_model("llama", 5), tmp_path / "cache.sqlite"
    prompts, responses = _inputs(demo_pairs, 30)
    first = RewardScorer.from_pretrained(folder, progress=False, cache=cache)
    expected = first.score(prompts, responses)
    assert first.last_stats.n_computed == 30
    again = RewardScorer.from_pretrained(folder, progress=False, cache=cache)
    np.testing.assert_array_equal(again.score(prompts, responses), expected)
    assert (again.last_stats.n_cached, again.last_stats.n_computed) == (30, 0)
    # A second workload sharing 20 texts computes only its 10 new ones.
    more_p, more_r = _inputs(demo_pairs, 40)
    again.score(more_p[10:], more_r[10:])
    assert (again.last_stats.n_cached, again.last_stats.n_computed) == (20, 10)
    # Another max length is another cache key: nothing is shared.
    other = RewardScorer.from_pretrained(folder, progress=False, cache=cache, max_length=300)
    other.score(prompts, responses)
    assert other.last_stats.n_cached == 0 and other.model_key != first.model_key


def test_truncation_error_lists_ids_and_cutting_is_explicit(tiny_model, demo_pairs):
    folder = tiny_model("llama", 1)
    pairs = list(demo_pairs)[:20]
    convs = [conversation(p.prompt, p.response_2) for p in pairs]
    ids = [p.id for p in pairs]
    strict = RewardScorer.from_pretrained(folder, progress=False, max_length=64)
    with pytest.raises(InputError, match=r"longer than max_length=64.*'demo-\d+'.*--truncation"):
        strict.score_conversations(convs, ids)
    left = RewardScorer.from_pretrained(folder, progress=False, max_length=64, truncation="left")
    right = RewardScorer.from_pretrained(folder, progress=False, max_length=64, truncation="right")
    run_left, run_right = left.score_conversations(convs, ids), right.score_conversations(convs, ids)
    assert run_left.truncated.any() and (run_left.truncated == run_right.truncated).all()
    full = RewardScorer.from_pretrained(folder, progress=False).score_conversations(convs, ids)
    kept = ~run_left.truncated
    np.testing.assert_allclose(run_left.scores[kept], full.scores[kept], atol=1e-4)
    assert not np.allclose(run_left.scores[~kept], run_right.scores[~kept])
    # "right" keeps the start: its score is the full model's score of the first 64 tokens.
    first_cut = int(np.flatnonzero(~kept)[0])
    ids_full = _token_ids(folder, pairs[first_cut].prompt, pairs[first_cut].response_2)[:, :64]
    reference = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    with torch.no_grad():
        np.testing.assert_allclose(run_right.scores[first_cut], reference(ids_full).logits[0].numpy(),
                                   atol=1e-4)


def test_tokenizer_without_pad_token(tmp_path, corpus, demo_pairs):
    tokenizer = train_tokenizer(corpus, vocab_size=600, pad_token=False)
    assert tokenizer.pad_token is None
    folder = save_tiny_reward_model(tmp_path / "nopad", tokenizer, num_labels=1)
    prompts, responses = _inputs(demo_pairs, 20)
    batched = RewardScorer.from_pretrained(folder, progress=False).score(prompts, responses)
    single = RewardScorer.from_pretrained(folder, progress=False, batch_tokens=1).score(prompts, responses)
    np.testing.assert_allclose(batched, single, atol=1e-4)


def test_missing_chat_template_is_an_error_unless_a_file_is_given(tmp_path, corpus, demo_pairs):
    tokenizer = train_tokenizer(corpus, vocab_size=600, chat_template=None)
    folder = save_tiny_reward_model(tmp_path / "notemplate", tokenizer)
    with pytest.raises(InputError, match="no chat template.*--chat-template"):
        RewardScorer.from_pretrained(folder, progress=False)
    template = tmp_path / "template.jinja"
    template.write_text(CHAT_TEMPLATE, encoding="utf-8")
    scorer = RewardScorer.from_pretrained(folder, progress=False, chat_template=str(template))
    assert scorer.score(*_inputs(demo_pairs, 3)).shape == (3, 1)


def test_multi_turn_prompts_keep_their_turns(tiny_model):
    scorer = RewardScorer.from_pretrained(tiny_model("llama", 1), progress=False)
    turns = [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."},
             {"role": "user", "content": "Another one?"}]
    text = scorer.formatter.render(conversation(turns, "Green."))
    assert text.index("Name a colour.") < text.index("Blue.") < text.index("Another one?") < text.index("Green.")
    single_turn = scorer.score(["Another one?"], ["Green."])
    assert not np.allclose(scorer.score([turns], ["Green."]), single_turn)


def test_dtype_is_honoured_and_keys_the_cache(tiny_model, demo_pairs, tmp_path):
    folder = tiny_model("llama", 1)
    prompts, responses = _inputs(demo_pairs, 10)
    full = RewardScorer.from_pretrained(folder, progress=False, cache=tmp_path / "c.sqlite")
    half = RewardScorer.from_pretrained(folder, progress=False, cache=tmp_path / "c.sqlite",
                                        dtype="bfloat16")
    assert (full.description["dtype"], half.description["dtype"]) == ("float32", "bfloat16")
    assert next(half.loaded_model.backbone.parameters()).dtype == torch.bfloat16
    a, b = full.score(prompts, responses), half.score(prompts, responses)
    assert half.last_stats.n_cached == 0 and half.model_key != full.model_key
    assert not np.array_equal(a, b)  # really computed in bfloat16 ...
    np.testing.assert_allclose(a, b, atol=0.05 * np.abs(a).max())  # ... and close to float32
