"""A damaged checkpoint or cache is a one-line error naming it (exit 2), not a traceback; ids that
look like numbers survive every file ``score`` and ``compare`` write."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from preftree import load_pairs
from preftree.cli import cli
from preftree.scoring import RewardScorer, load_scorer, score_pairs, write_scores

ODD_IDS = ["000", "007", "1e3", "0x1f", "1.50", "NA", "-0", "1_000"]


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def _one_line_error(result, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert [line[:7] for line in result.output.splitlines()] == ["Error: "]
    for fragment in fragments:
        assert fragment in result.output


@pytest.fixture
def odd_pairs(tmp_path: Path) -> Path:
    rows = [{"id": i, "prompt": f"question {n}", "response_1": "short", "response_2": "a longer answer"}
            for n, i in enumerate(ODD_IDS)]
    path = tmp_path / "pairs.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_truncated_weights(tiny_model, tmp_path: Path, odd_pairs: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(tiny_model("llama", 1), model)
    weights = model / "model.safetensors"
    os.truncate(weights, weights.stat().st_size // 2)
    result = _invoke("score", "--model", str(model), "--pairs", str(odd_pairs), "--out",
                     str(tmp_path / "s.csv"), "--no-cache")
    _one_line_error(result, str(model), "cannot load model", "complete checkpoint")
    assert not (tmp_path / "s.csv").exists()


def test_missing_tokenizer(tiny_model, tmp_path: Path, odd_pairs: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(tiny_model("llama", 1), model)
    for file in model.glob("tokenizer*"):
        file.unlink()
    result = _invoke("score", "--model", str(model), "--pairs", str(odd_pairs), "--out",
                     str(tmp_path / "s.csv"), "--no-cache")
    _one_line_error(result, str(model), "cannot load model")


def test_corrupt_cache_file(tiny_model, tmp_path: Path, odd_pairs: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    cache.write_bytes(b"this is not a database" * 100)
    result = _invoke("score", "--model", str(tiny_model("llama", 1)), "--pairs", str(odd_pairs),
                     "--out", str(tmp_path / "s.csv"), "--cache", str(cache))
    _one_line_error(result, "cache.sqlite", "score cache", "--no-cache")
    assert cache.read_bytes() == b"this is not a database" * 100  # not replaced


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="checks a machine without CUDA")
def test_a_device_that_is_not_here(tiny_model, tmp_path: Path, odd_pairs: Path) -> None:
    result = _invoke("score", "--model", str(tiny_model("llama", 1)), "--pairs", str(odd_pairs),
                     "--out", str(tmp_path / "s.csv"), "--device", "cuda", "--no-cache")
    _one_line_error(result, "--device cuda: no CUDA device", "--device cpu")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_odd_ids_survive_scores_files(tiny_model, tmp_path: Path, odd_pairs: Path, suffix: str) -> None:
    pairs = load_pairs(odd_pairs)
    assert pairs.ids == ODD_IDS  # read from CSV as the strings they are
    scorer = RewardScorer.from_pretrained(tiny_model("llama", 1), cache=None, progress=False)
    out = write_scores(score_pairs(scorer, pairs), tmp_path / f"scores{suffix}")
    # and read back by explain's scores: source, joined on the same ids
    result = _invoke("explain", "--pairs", str(odd_pairs), "--features", f"scores:{out}",
                     "--judge", str(_judge_file(tmp_path)), "--cv", "2", "--resamples", "2",
                     "--out", str(tmp_path / "explained"), "--quiet")
    assert result.exit_code == 0, result.output
    leaves = pd.read_csv(tmp_path / "explained" / "leaves.csv", dtype=str, keep_default_na=False)
    assert sorted(leaves["id"]) == sorted(ODD_IDS)


def _judge_file(tmp_path: Path) -> Path:
    path = tmp_path / "judge.csv"
    rows = [{"index": i, "preference": 1 if n % 2 else -1} for n, i in enumerate(ODD_IDS)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_rewards_are_refused_and_never_cached(tiny_model, tmp_path: Path,
                                                         odd_pairs: Path, value: float) -> None:
    """A broken checkpoint that outputs NaN/inf used to be written and scored as wrong answers."""
    import torch
    from safetensors.torch import load_file, save_file

    model = tmp_path / "model"
    shutil.copytree(tiny_model("llama", 1), model)
    tensors = load_file(model / "model.safetensors")
    head = next(k for k in tensors if k.startswith("score"))
    tensors[head] = torch.full_like(tensors[head], value)
    save_file(tensors, model / "model.safetensors", metadata={"format": "pt"})
    cache = tmp_path / "cache.sqlite"
    result = _invoke("score", "--model", str(model), "--pairs", str(odd_pairs), "--out",
                     str(tmp_path / "s.csv"), "--cache", str(cache))
    assert result.exit_code == 1 and "NaN or infinite scores" in result.output, result.output
    assert not (tmp_path / "s.csv").exists()
    scorer = RewardScorer.from_pretrained(model, progress=False, cache=cache)
    assert scorer.last_stats.n_cached == 0
    with pytest.raises(Exception, match="NaN or infinite"):
        scorer.score(["q"], ["a"])
    assert scorer.last_stats.n_cached == 0  # nothing bad reached the cache


def test_an_ensemble_normaliser_that_overflows_is_refused(tiny_model, tmp_path: Path) -> None:
    import json

    spec = tmp_path / "e.json"
    spec.write_text(json.dumps({"members": [{"model": str(tiny_model("llama", 1)), "weight": 1.0,
                                             "normalize": {"std": 1e-320}}]}))
    scorer = load_scorer(spec, progress=False, cache=None)
    with pytest.raises(Exception, match="NaN or infinite"):
        scorer.score(["q"], ["a longer answer"])
