"""``preftree score`` and ``explain --features model:/scores:`` end to end (in process)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from preftree.cli import cli
from preftree.scoring import read_scores_metadata

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "preftree" / "examples"
PAIRS = EXAMPLES / "demo_pairs.jsonl"
ATTRS = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]


def _invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_score_then_explain_with_the_scores(tiny_model, tmp_path):
    model = tiny_model("llama", 5, "decision-tree-reward")
    out = tmp_path / "scores.parquet"
    result = _invoke("score", "--model", str(model), "--pairs", str(PAIRS), "--out", str(out),
                     "--cache", str(tmp_path / "c.sqlite"))
    assert result.exit_code == 0, result.output
    assert "300 pairs, 599 distinct texts: 0 from cache, 599 scored" in result.output
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["id"] + [f"{a}_{s}" for a in ATTRS for s in (1, 2)]
    assert len(frame) == 300 and frame["id"].is_unique
    meta = read_scores_metadata(out)
    for key in ("model", "revision", "dtype", "max_length", "chat_template_sha256", "n_truncated"):
        assert key in meta
    assert meta["dtype"] == "float32" and meta["n_truncated"] == 0

    again = _invoke("score", "--model", str(model), "--pairs", str(PAIRS), "--out", str(out),
                    "--cache", str(tmp_path / "c.sqlite"))
    assert "599 from cache, 0 scored" in again.output

    explained = _invoke("explain", "--pairs", str(PAIRS), "--judge", str(EXAMPLES / "demo_judges"),
                        "--features", f"scores:{out}", "--resamples", "5", "--out",
                        str(tmp_path / "explained"), "--quiet")
    assert explained.exit_code == 0, explained.output
    summary = json.loads((tmp_path / "explained" / "careful-judge" / "summary.json").read_text())
    assert set(summary["features"]) == {f"{a}_diff" for a in ATTRS}


def test_model_features_in_explain_match_preftree_score(tiny_model, tmp_path):
    model = tiny_model("llama", 5, "decision-tree-reward")
    env = {"PREFTREE_CACHE_DIR": str(tmp_path / "cache")}
    scored = _invoke("score", "--model", str(model), "--pairs", str(PAIRS), "--out",
                     str(tmp_path / "s.csv"), "--quiet", env=env)
    assert scored.exit_code == 0 and (tmp_path / "s.csv.meta.json").exists()
    result = _invoke("explain", "--pairs", str(PAIRS), "--judge", str(EXAMPLES / "demo_judges"),
                     "--features", f"model:{model}", "--features", "style", "--resamples", "5",
                     "--out", str(tmp_path / "out"), "--quiet", env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "verbose-judge" / "summary.json").read_text())
    assert {f"{a}_diff" for a in ATTRS} | {"length_words_diff"} <= set(summary["features"])

    from preftree import load_pairs
    from preftree.features.sources import parse_feature_spec

    first, second = parse_feature_spec(f"model:{model}").values(load_pairs(PAIRS))
    scores = pd.read_csv(tmp_path / "s.csv").set_index("id")
    np.testing.assert_allclose(first["verbosity"], scores.loc[first.index, "verbosity_1"], atol=1e-9)
    np.testing.assert_allclose(second["helpfulness"], scores.loc[first.index, "helpfulness_2"], atol=1e-9)


def test_too_long_input_fails_cleanly_with_no_output(tiny_model, tmp_path):
    out = tmp_path / "scores.parquet"
    result = CliRunner().invoke(cli, ["score", "--model", str(tiny_model("llama", 1)), "--pairs",
                                      str(PAIRS), "--out", str(out), "--max-length", "40",
                                      "--no-cache"])
    assert result.exit_code == 2
    assert "longer than max_length=40" in result.output and "(response_" in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
