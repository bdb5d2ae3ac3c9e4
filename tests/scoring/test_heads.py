"""Custom heads without remote code: INF-ORM's MLP recognised from its weights, Nemotron-Reward's
vocabulary logit, each checked against an independent reference forward written here from the
model card's definition; an unknown head lists what it found; a model split across the CPU and
disk by accelerate scores the same as in one piece."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from transformers import AutoModel, AutoModelForCausalLM

from preftree.cli import cli
from preftree.errors import InputError
from preftree.scoring import RewardScorer
from preftree.scoring.chat import conversation
from preftree.scoring.tiny import save_tiny_reward_model

PAIRS_N = 8


def _ids(scorer, pair, response):  # type: ignore[no-untyped-def]
    tok = scorer.loaded_model.tokenizer
    text = tok.apply_chat_template(conversation(pair.prompt, response), tokenize=False)
    return torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])


@pytest.fixture(scope="module")
def inf_orm(tmp_path_factory, tokenizer):
    return save_tiny_reward_model(tmp_path_factory.mktemp("inf-orm"), tokenizer, layout="inf-orm")


@pytest.fixture(scope="module")
def nemotron(tmp_path_factory, tokenizer):
    return save_tiny_reward_model(tmp_path_factory.mktemp("nemotron"), tokenizer, layout="causal-lm")


def test_inf_orm_mlp_head_equals_the_model_cards_definition(inf_orm, demo_pairs):
    config = json.loads((inf_orm / "config.json").read_text())
    assert config["architectures"] == ["INFORMForSequenceClassification"]  # not in transformers
    scorer = RewardScorer.from_pretrained(inf_orm, progress=False, cache=None)
    assert scorer.description["head"].startswith("mlp(") and scorer.attributes == ["reward"]
    pairs = list(demo_pairs)[:PAIRS_N]
    scores = scorer.score([p.prompt for p in pairs], [p.response_1 for p in pairs])
    # reference: score = Sequential(Linear(h, h), ReLU, Linear(h, 1)) on the last token's state
    from safetensors.torch import load_file

    weights = load_file(str(inf_orm / "model.safetensors"))
    backbone = AutoModel.from_pretrained(inf_orm).eval()
    with torch.no_grad():
        for pair, score in zip(pairs, scores):
            h = backbone(_ids(scorer, pair, pair.response_1)).last_hidden_state[0, -1]
            hidden = torch.relu(weights["score.0.weight"] @ h + weights["score.0.bias"])
            reference = weights["score.2.weight"] @ hidden + weights["score.2.bias"]
            np.testing.assert_allclose(score, reference.numpy(), atol=1e-4)


def test_nemotron_reward_is_the_logit_of_token_0(nemotron, demo_pairs):
    with pytest.raises(InputError, match="head preftree does not know.*token-logit"):
        RewardScorer.from_pretrained(nemotron, progress=False, cache=None, trust_remote_code=False,
                                     head="linear")
    scorer = RewardScorer.from_pretrained(nemotron, progress=False, cache=None, head="token-logit:0")
    pairs = list(demo_pairs)[:PAIRS_N]
    scores = scorer.score([p.prompt for p in pairs], [p.response_2 for p in pairs])
    lm = AutoModelForCausalLM.from_pretrained(nemotron).eval()
    with torch.no_grad():  # one forward; the logits at the last input position = first generated
        for pair, score in zip(pairs, scores):
            logits = lm(_ids(scorer, pair, pair.response_2)).logits[0, -1]
            np.testing.assert_allclose(score, [logits[0].item()], atol=1e-4)


def test_the_cli_scores_with_a_head_and_rewardbench_runs(nemotron, tmp_path, demo_pairs):
    from ..conftest import write_rewardbench

    pairs = [p for p in demo_pairs if p.label in (-1, 1)][:20]
    data = write_rewardbench(tmp_path / "rb.jsonl", pairs)
    result = CliRunner().invoke(cli, ["rewardbench", "--model", str(nemotron), "--head", "token-logit:0",
                                      "--data", str(data), "--resamples", "0", "--no-cache",
                                      "--out", str(tmp_path / "r.json"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert 0.0 <= json.loads((tmp_path / "r.json").read_text())["alpacaeval-easy"] <= 1.0


def test_a_model_split_across_cpu_and_disk_scores_the_same(inf_orm, tmp_path, demo_pairs):
    """Stands in for --device-map auto over several GPUs: the same accelerate code path, here with
    the CPU holding part of the model and a folder on disk the rest (no GPU on this machine)."""
    pytest.importorskip("accelerate", reason="--device-map needs accelerate")
    pairs = list(demo_pairs)[:PAIRS_N]
    whole = RewardScorer.from_pretrained(inf_orm, progress=False, cache=None)
    split = RewardScorer.from_pretrained(inf_orm, progress=False, cache=None, device_map="auto",
                                         max_memory={"cpu": "400KB"},
                                         offload_folder=str(tmp_path / "offload"))
    placement = split.loaded_model.backbone.hf_device_map
    assert "disk" in set(placement.values()) and "cpu" in set(placement.values())
    np.testing.assert_allclose(split.score([p.prompt for p in pairs], [p.response_1 for p in pairs]),
                               whole.score([p.prompt for p in pairs], [p.response_1 for p in pairs]),
                               atol=1e-4)
    assert split.description["device_map"] == "auto"


@pytest.mark.parametrize("layout, extra", [("inf-orm", []), ("causal-lm", ["--head", "token-logit:0"]),
                                           ("decision-tree-reward", ["--attribute", "helpfulness"])])
def test_each_kind_runs_rewardbench_on_the_shared_llmbar_file(shared_data, tmp_path, tokenizer,
                                                              layout, extra):
    folder = save_tiny_reward_model(tmp_path / layout, tokenizer, layout=layout)
    out = tmp_path / "results" / f"{layout}.json"
    result = CliRunner().invoke(cli, ["rewardbench", "--model", str(folder), *extra, "--data",
                                      str(shared_data / "llmbar" / "rewardbench_llmbar.jsonl"),
                                      "--truncation", "left", "--resamples", "0", "--no-cache",
                                      "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    results = json.loads(out.read_text())
    assert sum(results["n_examples"].values()) == 419
    assert set(results["n_examples"]) == {"llmbar-natural", "llmbar-adver-neighbor",
                                          "llmbar-adver-GPTInst", "llmbar-adver-GPTOut",
                                          "llmbar-adver-manual"}
    assert "Chat Hard" in results["partial"]  # LLMBar is part of Chat Hard only: never a silent full score
    assert set(results["absent"]) == {"Chat", "Safety", "Reasoning"}
