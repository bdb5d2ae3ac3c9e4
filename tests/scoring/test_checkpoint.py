"""Finding checkpoints: local folders, Hub ids through the HF cache, and clear refusals."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from preftree.errors import InputError
from preftree.scoring import RewardScorer
from preftree.scoring.checkpoint import resolve_checkpoint

COMMIT = "0123456789abcdef0123456789abcdef01234567"
BLOCK_HF = """
class BlockHF:  # an environment without preftree[hf]: torch and transformers cannot be imported
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('torch', 'transformers'):
            raise ModuleNotFoundError(f"No module named {name!r}")
sys.meta_path.insert(0, BlockHF())
"""


def _run(args: list[str], env: dict[str, str], cwd: Path, prelude: str = "") -> subprocess.CompletedProcess:
    code = f"import sys\n{prelude}\nsys.argv = ['preftree', *{args!r}]\nfrom preftree.cli import main\nmain()"
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_local_folder_revision_follows_the_files(tiny_model, tmp_path):
    folder = shutil.copytree(tiny_model("llama", 1), tmp_path / "copy")
    first = resolve_checkpoint(folder)
    assert first.revision.startswith("local-") and first.path == folder.resolve()
    (folder / "model.safetensors").write_bytes((folder / "model.safetensors").read_bytes() + b"")
    os.utime(folder / "model.safetensors", ns=(1, 1))
    assert resolve_checkpoint(folder).revision != first.revision


def test_unknown_paths_and_ids_are_clear_errors(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        resolve_checkpoint(tmp_path / "does-not-exist")
    with pytest.raises(InputError, match="not a local folder and could not be fetched"):
        resolve_checkpoint("preftree-test/definitely not a repo id")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="config.json is missing"):
        resolve_checkpoint(tmp_path / "empty")


def test_hub_id_loads_from_the_hf_cache_like_a_download(tiny_model, demo_pairs, tmp_path):
    """A Hub id goes through huggingface_hub.snapshot_download; offline, it reads the HF cache,
    whose layout we write here exactly as a download leaves it."""
    repo = tmp_path / "hub" / "models--RLHFlow--tiny-dtr"
    shutil.copytree(tiny_model("llama", 5, "decision-tree-reward"), repo / "snapshots" / COMMIT)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"id": p.id, "prompt": p.prompt, "response_1": p.response_1,
                                         "response_2": p.response_2}) + "\n"
                             for p in list(demo_pairs)[:5]))
    env = {"HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    done = _run(["score", "--model", "RLHFlow/tiny-dtr", "--pairs", str(pairs), "--out",
                 str(tmp_path / "s.parquet"), "--no-cache", "--quiet"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    from preftree.scoring import read_scores_metadata

    meta = read_scores_metadata(tmp_path / "s.parquet")
    assert meta["model"] == "RLHFlow/tiny-dtr" and meta["revision"] == COMMIT
    assert meta["attributes"][0] == "helpfulness"


def test_missing_extras_give_an_install_hint(tmp_path, small_pairs_file):
    done = _run(["score", "--model", "org/model", "--pairs", str(small_pairs_file), "--out",
                 str(tmp_path / "s.parquet")], {}, tmp_path,
                prelude=BLOCK_HF)
    assert done.returncode == 1
    assert "preftree[hf]" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "s.parquet").exists()


def test_a_model_without_a_reward_head_is_refused(tmp_path, tokenizer):
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=2)
    LlamaForCausalLM(config).save_pretrained(tmp_path / "lm")
    tokenizer.save_pretrained(tmp_path / "lm")
    with pytest.raises(InputError, match=r"head preftree does not know: weights outside the backbone: "
                                         r"lm_head\.weight\. Kinds known: .*token-logit"):
        RewardScorer.from_pretrained(tmp_path / "lm", progress=False)


def test_custom_code_needs_an_explicit_trust(tiny_model, tmp_path):
    folder = shutil.copytree(tiny_model("llama", 1), tmp_path / "armo-like")
    config = json.loads((folder / "config.json").read_text())
    config["architectures"] = ["LlamaForRewardModelWithGating"]
    config["auto_map"] = {"AutoModelForSequenceClassification": "modeling_custom.LlamaForRewardModelWithGating"}
    (folder / "config.json").write_text(json.dumps(config))
    # ArmoRM's head is a regression layer and a gating network: weights no preftree kind reads
    from safetensors.torch import load_file, save_file

    weights = load_file(str(folder / "model.safetensors"))
    weights.pop("score.weight")
    weights["regression_layer.weight"] = torch.zeros(19, 64)
    weights["gating.layers.0.weight"] = torch.zeros(8, 64)
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(InputError, match=r"head preftree does not know: weights outside the backbone: "
                                         r"gating\.layers\.0\.weight, regression_layer\.weight\. "
                                         r"Kinds known: linear.*mlp.*token-logit.*--trust-remote-code"):
        RewardScorer.from_pretrained(folder, progress=False)


def test_torch_is_imported_only_when_a_scorer_is_built():
    code = ("import sys, preftree, preftree.scoring, preftree.cli; "
            "from preftree.scoring import RewardScorer, score_pairs; "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "False"], out.stderr
    assert torch.__version__  # the test itself runs with torch installed


def test_an_unreachable_hub_is_the_environment_exit_1(tmp_path):
    """A well-formed Hub id that cannot be fetched because the Hub is unreachable (here: offline
    and not cached) exits 1 as the README promises, not 2 (bad input)."""
    import subprocess
    import sys

    pairs = tmp_path / "p.jsonl"
    pairs.write_text('{"id": "a", "prompt": "q", "response_1": "x", "response_2": "y"}\n')
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    done = subprocess.run([sys.executable, "-m", "preftree", "score", "--model",
                           "preftree-test/not-cached-anywhere", "--pairs", str(pairs), "--no-cache",
                           "--out", str(tmp_path / "s.csv")], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "could not be reached" in done.stderr and "Traceback" not in done.stderr
