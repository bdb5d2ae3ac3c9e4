"""The model catalogue (every system of the seed's leaderboard), its settings applied to a Hub id
and recorded, multi-objective models through their authors' code (QRM/ArmoRM outputs), and the
chat-template quirks the catalogue names (a doubled BOS; pad = eos)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from click.testing import CliRunner
from transformers import LlamaConfig

from preftree.cli import cli
from preftree.scoring import RewardScorer, read_scores_metadata
from preftree.scoring.catalogue import catalogue, catalogue_entry
from preftree.scoring.chat import conversation
from preftree.scoring.tiny import save_tiny_reward_model

from ..conftest import import_model_source

SEED = Path(__file__).resolve().parents[2] / "src" / "preftree" / "rewardbench" / "published" / "seed_2025-01.csv"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def test_every_leaderboard_system_has_an_entry() -> None:
    names = pd.read_csv(SEED)["model"].tolist()
    assert len(names) == 12
    for name in names:
        entry = catalogue_entry(name)
        assert entry is not None, name
        for key in ("id", "kind", "loader", "verified", "needs"):
            assert entry[key], (name, key)
    extra = {e["id"] for e in catalogue()} - {catalogue_entry(n)["id"] for n in names}
    assert {"RLHFlow/ArmoRM-Llama3-8B-v0.1", "Ray2333/GRM-Gemma-2B-rewardmodel-ft",
            "internlm/internlm2-7b-reward", "Skywork/Skywork-Reward-V2-Llama-3.1-8B"} <= extra
    listed = CliRunner().invoke(cli, ["models", "--format", "md", "--all"])
    assert listed.exit_code == 0 and listed.output.count("\n|") == len(catalogue()) + 1


def test_catalogue_settings_apply_to_a_hub_id_and_are_recorded(tokenizer, demo_pairs, tmp_path) -> None:
    """Nemotron's catalogue entry sets --head token-logit:0: a Hub id in the offline HF cache
    loads as a reward model without being told, and the scores file says so."""
    repo = tmp_path / "hub" / "models--nvidia--Llama-3.1-Nemotron-70B-Reward-HF"
    save_tiny_reward_model(repo / "snapshots" / COMMIT, tokenizer, layout="causal-lm")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"id": p.id, "prompt": p.prompt, "response_1": p.response_1,
                                         "response_2": p.response_2}) + "\n" for p in list(demo_pairs)[:6]))
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    run = [sys.executable, "-m", "preftree", "score", "--model", "nvidia/Llama-3.1-Nemotron-70B-Reward-HF",
           "--pairs", str(pairs), "--no-cache", "--quiet"]
    done = subprocess.run([*run, "--out", str(tmp_path / "s.parquet")], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    meta = read_scores_metadata(tmp_path / "s.parquet")
    assert meta["head"].startswith("token-logit(id 0")
    assert meta["catalogue"] == {"id": "nvidia/Llama-3.1-Nemotron-70B-Reward-HF",
                                 "applied": {"head": "token-logit:0", "max_length": 8192}}
    overridden = subprocess.run([*run, "--head", "linear", "--out", str(tmp_path / "t.parquet")],
                                env=env, capture_output=True, text=True, timeout=300)
    assert overridden.returncode == 2 and "head preftree does not know" in overridden.stderr
    # RewardBench lands in the same results layout, beside the system's published row
    bench = tmp_path / "rb.jsonl"
    bench.write_text("".join(json.dumps({"id": f"x{i}", "subset": "alpacaeval-easy", "prompt": p.prompt,
                                         "chosen": p.response_1, "rejected": p.response_2}) + "\n"
                             for i, p in enumerate(list(demo_pairs)[:6])))
    done = subprocess.run([sys.executable, "-m", "preftree", "rewardbench", "--model",
                           "nvidia/Llama-3.1-Nemotron-70B-Reward-HF", "--data", str(bench), "--resamples",
                           "0", "--no-cache", "--quiet", "--out", str(tmp_path / "res" / "nemotron.json")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    board = CliRunner().invoke(cli, ["leaderboard", "--results", str(tmp_path / "res"), "--format", "csv"])
    rows = [line for line in board.output.splitlines() if "Llama-3.1-Nemotron-70B-Reward" in line]
    assert len(rows) == 2 and any(",local," in r and r.rstrip().split(",")[-1] for r in rows)


QRM_MODELING = '''
from dataclasses import dataclass
from typing import Optional

import torch
from transformers import LlamaModel, LlamaPreTrainedModel
from transformers.utils import ModelOutput


@dataclass
class QuantileOutput(ModelOutput):
    score: Optional[torch.FloatTensor] = None
    rewards: Optional[torch.FloatTensor] = None
    reward_quantiles: Optional[torch.FloatTensor] = None


class TinyQuantileRewardModel(LlamaPreTrainedModel):
    """A stand-in written here in the shape QRM's card describes: per-attribute quantiles, their
    means as rewards, a gating network mixing them into one score (the expectation)."""

    def __init__(self, config):
        super().__init__(config)
        self.model = LlamaModel(config)
        self.n_attributes, self.n_quantiles = 3, 4
        self.quantiles = torch.nn.Linear(config.hidden_size, self.n_attributes * self.n_quantiles)
        self.gating = torch.nn.Linear(config.hidden_size, self.n_attributes)
        self.post_init()

    def forward(self, input_ids=None, attention_mask=None, **kwargs):
        hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        last = attention_mask.sum(dim=1) - 1
        h = hidden[torch.arange(hidden.shape[0]), last]
        q = self.quantiles(h).view(-1, self.n_attributes, self.n_quantiles)
        rewards = q.mean(dim=2)
        weights = torch.softmax(self.gating(h), dim=1)
        return QuantileOutput(score=(weights * rewards).sum(dim=1, keepdim=True), rewards=rewards,
                              reward_quantiles=q)
'''


def test_a_quantile_gating_model_runs_through_its_authors_code(tmp_path_factory, tokenizer, demo_pairs) -> None:
    folder = tmp_path_factory.mktemp("qrm")
    model_class = import_model_source(tmp_path_factory.mktemp("qrm-source"), "modeling_tiny_qrm",
                                      QRM_MODELING, "TinyQuantileRewardModel")
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         pad_token_id=tokenizer.pad_token_id,
                         id2label={0: "helpfulness", 1: "correctness", 2: "coherence"})
    torch.manual_seed(0)
    reference = model_class(config).eval()
    reference.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    scorer = RewardScorer.from_pretrained(folder, progress=False, cache=None, trust_remote_code=True)
    assert scorer.attributes[:4] == ["reward", "helpfulness", "correctness", "coherence"]
    assert scorer.attributes[4:8] == ["helpfulness_q0", "helpfulness_q1", "helpfulness_q2", "helpfulness_q3"]
    assert len(scorer.attributes) == 1 + 3 + 12
    pairs = list(demo_pairs)[:5]
    scores = scorer.score([p.prompt for p in pairs], [p.response_1 for p in pairs])
    tok = scorer.loaded_model.tokenizer
    with torch.no_grad():
        for pair, row in zip(pairs, scores):
            text = tok.apply_chat_template(conversation(pair.prompt, pair.response_1), tokenize=False)
            ids = torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])
            out = reference(input_ids=ids, attention_mask=torch.ones_like(ids))
            expected = torch.cat([out.score[0], out.rewards[0], out.reward_quantiles[0].reshape(-1)])
            np.testing.assert_allclose(row, expected.numpy(), atol=1e-4)


def test_bos_appears_once_even_when_the_template_writes_it(tiny_model, tmp_path, demo_pairs) -> None:
    """Skywork v0.2's quirk: its template writes <bos> and its tokenizer adds one by default."""
    from tokenizers.processors import TemplateProcessing

    folder = shutil.copytree(tiny_model("llama", 1), tmp_path / "skywork-like")
    scorer = RewardScorer.from_pretrained(folder, progress=False, cache=None)
    tok = scorer.loaded_model.tokenizer
    tok.bos_token = tok.bos_token or "<s>"
    bos = tok.convert_tokens_to_ids(tok.bos_token)
    tok.backend_tokenizer.post_processor = TemplateProcessing(single=f"{tok.bos_token} $A",
                                                              special_tokens=[(tok.bos_token, bos)])
    if "bos_token" not in tok.chat_template:  # the template writes <bos> itself, as Skywork's does
        tok.chat_template = "{{ bos_token }}" + tok.chat_template
    tok.save_pretrained(folder)
    quirky = RewardScorer.from_pretrained(folder, progress=False, cache=None)
    pair = list(demo_pairs)[0]
    text = quirky.loaded_model.tokenizer.apply_chat_template(conversation(pair.prompt, pair.response_1),
                                                       tokenize=False)
    naive = quirky.loaded_model.tokenizer(text)["input_ids"]
    assert naive[:2] == [bos, bos]  # what tokenizing the rendered template the usual way gives
    [ids] = quirky.formatter.encode([text])
    assert ids[0] == bos and ids.count(bos) == 1


def test_pad_equal_to_eos_does_not_merge_chosen_and_rejected(tiny_model, tmp_path, demo_pairs) -> None:
    """RLHF-Reward-Modeling#49: with pad = eos, finding the last token by searching for the pad id
    stops at the first eos. preftree reads each row's last real token from its length."""
    folder = shutil.copytree(tiny_model("llama", 1), tmp_path / "pad-eos")
    config = json.loads((folder / "config.json").read_text())
    scorer = RewardScorer.from_pretrained(folder, progress=False, cache=None)
    eos = scorer.loaded_model.tokenizer.eos_token or "</s>"
    config["pad_token_id"] = config.get("eos_token_id", 2)
    (folder / "config.json").write_text(json.dumps(config))
    tok_config = json.loads((folder / "tokenizer_config.json").read_text())
    tok_config["pad_token"] = eos
    (folder / "tokenizer_config.json").write_text(json.dumps(tok_config))
    padded = RewardScorer.from_pretrained(folder, progress=False, cache=None, batch_tokens=100_000)
    pair = list(demo_pairs)[0]
    chosen, rejected = pair.response_1 + f" {eos} trailing words", pair.response_2 + f" {eos} other words"
    batch = padded.score([pair.prompt, pair.prompt], [chosen, rejected])
    alone = [padded.score([pair.prompt], [r])[0] for r in (chosen, rejected)]
    np.testing.assert_allclose(batch, np.vstack(alone), atol=1e-4)
    assert abs(batch[0, 0] - batch[1, 0]) > 1e-3


def test_catalogue_settings_respect_typed_options_and_the_backend() -> None:
    """The catalogue fills only what the caller did not give, typed or by keyword, and only
    settings the chosen backend takes (a Gemma-2 entry's attn_implementation is transformers')."""
    from preftree.scoring.catalogue import catalogue_settings
    from preftree.scoring.options import ScoringOptions, TransformersOptions

    settings = catalogue_settings("RLHFlow/Decision-Tree-Reward-Gemma-2-27B")
    assert "attn_implementation" in settings
    typed = ScoringOptions(max_length=512, backend_options=TransformersOptions(attn_implementation="sdpa"))
    assert typed.given("max_length") and typed.given("attn_implementation")
    assert not ScoringOptions().given("max_length")
    server = ScoringOptions.build(backend="vllm-server", server_url="http://127.0.0.1:9")
    assert not server.accepts("attn_implementation") and server.accepts("max_length")
    kept = ScoringOptions.build(backend="vllm-server", server_timeout_s=5).with_settings(
        server_url="http://x")
    assert kept.backend_options.timeout_s == 5 and kept.backend_options.url == "http://x"


def test_a_gemma_catalogue_model_runs_on_the_vllm_server_backend(tmp_path, tokenizer, demo_pairs) -> None:
    """The catalogue's attn_implementation for Gemma-2 systems is not a vllm-server setting: it is
    left out, not an error (the model then fails only for the reason that is real here: no server)."""
    repo = tmp_path / "hub" / "models--RLHFlow--Decision-Tree-Reward-Gemma-2-27B"
    save_tiny_reward_model(repo / "snapshots" / COMMIT, tokenizer, architecture="gemma2",
                           num_labels=5, layout="decision-tree-reward")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"id": "a", "prompt": "q", "response_1": "x", "response_2": "y"}) + "\n")
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "preftree", "score", "--model",
                           "RLHFlow/Decision-Tree-Reward-Gemma-2-27B", "--backend", "vllm-server",
                           "--base-url", "http://127.0.0.1:9", "--server-timeout", "1",
                           "--pairs", str(pairs), "--no-cache", "--out", str(tmp_path / "s.jsonl")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert "attn_implementation" not in done.stderr, done.stderr
    assert done.returncode == 1 and "vLLM server" in done.stderr, done.stderr
