"""The README's probe figures, measured (issue 27, item 4): rule-based local judges over real HTTP
on all 419 LLMBar pairs (../shared/data). The edits that add text flip a length judge about as
often as appending the same number of characters of filler does, which the length-matched null
shows beside each flip rate."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.judges.local_server import LocalJudgeServer

PROBES = ["length", "markdown", "plain", "authority", "confidence", "sycophancy", "order", "same"]


def _run(pairs: Path, out: Path, mode: str, template: str) -> tuple[dict, str]:
    with LocalJudgeServer(mode=mode) as server:
        result = CliRunner().invoke(cli, [
            "probe", "--pairs", str(pairs), "--out", str(out), "--judge-model", mode, "--base-url", server.url,
            "--api-key-env", "PREFTREE_TEST_KEY", "--judge-template", template, "--concurrency", "32",
            *[a for p in PROBES for a in ("--probe", p)]], env={"PREFTREE_TEST_KEY": "k"})
    assert result.exit_code == 0, result.output
    document = json.loads((out / "probe.json").read_text())
    return {(r["probe"], r["target"]): r for r in document["records"]}, result.output


@pytest.fixture(scope="module")
def llmbar(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("llmbar") / "pairs.jsonl"
    pd.read_json(shared_data / "llmbar" / "pairs.jsonl", lines=True).to_json(path, orient="records", lines=True)
    return path


def test_a_length_judge_on_llmbar(llmbar: Path, tmp_path: Path) -> None:
    records, output = _run(llmbar, tmp_path / "out", "longer", "preftree")
    rate = {key: round(100 * r["flip_rate"], 1) for key, r in records.items() if r["flip_rate"] is not None}
    assert rate[("length", "loser")] == 100.0 and records[("length", "loser")]["n"] == 417
    # the README's figures: edits that add text win pairs for a length judge...
    assert rate[("authority", "loser")] == 33.6 and rate[("sycophancy", "loser")] == 27.1
    assert rate[("confidence", "loser")] == 23.3 and rate[("markdown", "loser")] == 7.2
    for probe in ("authority", "sycophancy", "confidence", "markdown"):
        record = records[(probe, "loser")]
        assert record["mean_length_change"] > 0 and record["null_flip_rate"] == 0
        # ...about as often as the same number of characters of filler: it is their length
        assert abs(record["length_matched_flip_rate"] - record["flip_rate"]) < 0.03, probe
        assert records[(probe, "winner")]["flip_rate"] == 0  # more text never loses a length judge a pair
    same = records[("same", "pair")]
    assert same["first_position_share"] == 1.0 and "first_position_share" in same["measure"]
    same_line = next(line for line in output.splitlines() if " same " in line and "pair" in line)
    assert "first-position share" in same_line and "100.0%" in same_line
    assert "Δ chars" in output and "len-null" in output


def test_a_markdown_judge_on_llmbar(llmbar: Path, tmp_path: Path) -> None:
    records, _ = _run(llmbar, tmp_path / "out", "markdown", "mt-bench")
    rate = {key: round(100 * r["flip_rate"], 1) for key, r in records.items() if r["flip_rate"] is not None}
    assert records[("markdown", "loser")]["n"] == 122  # the pairs it decides (different markdown counts)
    assert rate[("markdown", "loser")] == 54.1  # not every pair: the README says so
    assert records[("markdown", "loser")]["length_matched_flip_rate"] == 0
    assert rate[("plain", "winner")] == 16.4
    for probe in ("length", "authority", "confidence", "sycophancy"):
        assert rate[(probe, "loser")] == 0 and rate[(probe, "winner")] == 0, probe
