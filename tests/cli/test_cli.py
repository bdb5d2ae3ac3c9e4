"""The CLI end to end, in subprocesses as a user runs it: demo, explain, errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ..conftest import write_jsonl


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "preftree", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_demo_end_to_end(tmp_path: Path) -> None:
    result = run("demo", "--out", str(tmp_path / "demo"), "--resamples", "30")
    assert result.returncode == 0, result.stderr
    assert "3 judges on 300 pairs" in result.stdout and "synthetic" in result.stdout
    out = tmp_path / "demo"
    for judge in ("human", "verbose-judge", "careful-judge"):
        summary = json.loads((out / judge / "summary.json").read_text())
        for key in ("judge", "n_pairs", "n_ties_dropped", "depth", "features", "cv_accuracy",
                    "cv_accuracy_ci", "majority_baseline", "best_single_feature", "importances"):
            assert key in summary
        assert summary["cv_accuracy_ci"][0] <= summary["cv_accuracy"] <= summary["cv_accuracy_ci"][1]
        assert (out / judge / "tree.png").read_bytes()[:4] == b"\x89PNG"
    # the simulated judges' stories come out of the trees
    tops = {j: json.loads((out / j / "summary.json").read_text())["importances"][0]["feature"]
            for j in ("human", "verbose-judge", "careful-judge")}
    assert tops["human"] == "helpfulness_diff" and tops["careful-judge"] == "correctness_diff"
    assert tops["verbose-judge"] in ("length_words_diff", "length_chars_diff", "verbosity_diff")
    consistency = pd.read_csv(out / "consistency.csv")
    assert set(consistency["judge"]) == {"verbose-judge", "careful-judge"}


def test_explain_one_judge_writes_flat_folder(tmp_path: Path, small_pairs_file: Path) -> None:
    judge = pd.DataFrame({"index": [f"p{i}" for i in range(40)],
                          "preference": [1 if i % 3 else -1 for i in range(40)]})
    judge.to_csv(tmp_path / "j.csv", index=False)
    result = run("explain", "--pairs", str(small_pairs_file), "--judge", str(tmp_path / "j.csv"),
                 "--features", "columns:helpfulness", "--features", "style", "--resamples", "10",
                 "--max-depth", "auto", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "cross-validated accuracy" in result.stdout and "majority baseline" in result.stdout
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"summary.json", "tree.json", "importances.csv", "tree.png", "agreement.csv"} <= names


@pytest.mark.parametrize(("content", "message"), [
    ('{"id": "a", "prompt": "p", "response_1": "x", "response_2": "y", "label": 1}\n{oops\n',
     "pairs.jsonl:2: invalid JSON"),
    ('{"id": "a", "prompt": "p", "reply": "x"}\n', "missing column(s) 'response_1', 'response_2'"),
    ('{"id": "a", "prompt": "p", "response_1": "x", "response_2": "y", "label": 9}\n',
     "cannot tell the label format"),
    ('{"id": "a", "prompt": "p", "response_1": "x", "response_2": "y", "label": 0}\n'
     '{"id": "b", "prompt": "p", "response_1": "x", "response_2": "y", "label": 0}\n',
     "--label-format"),
])
def test_bad_input_exits_2_without_output(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "pairs.jsonl").write_text(content)
    result = run("explain", "--pairs", str(tmp_path / "pairs.jsonl"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_all_ties_and_unmatched_judge_ids(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "pairs.jsonl", [
        {"id": f"p{i}", "prompt": "p", "response_1": "x", "response_2": "y", "label": 0}
        for i in range(5)])
    result = run("explain", "--pairs", str(tmp_path / "pairs.jsonl"), "--label-format", "signed",
                 "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "nothing left after dropping ties" in result.stderr
    pd.DataFrame({"index": ["nope"], "preference": [1]}).to_csv(tmp_path / "j.csv", index=False)
    result = run("explain", "--pairs", str(tmp_path / "pairs.jsonl"), "--label-format", "signed",
                 "--judge", str(tmp_path / "j.csv"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "1 of 1 verdicts" in result.stderr
    assert not (tmp_path / "out").exists()


def test_failed_run_keeps_previous_output(tmp_path: Path, small_pairs_file: Path) -> None:
    good = run("explain", "--pairs", str(small_pairs_file), "--features", "columns:helpfulness",
               "--resamples", "5", "--out", str(tmp_path / "out"))
    assert good.returncode == 0, good.stderr
    before = (tmp_path / "out" / "summary.json").read_text()
    bad = run("explain", "--pairs", str(small_pairs_file), "--features", "columns:missing",
              "--out", str(tmp_path / "out"))
    assert bad.returncode == 2
    assert (tmp_path / "out" / "summary.json").read_text() == before


def test_every_command_has_help() -> None:
    for command in ([], ["explain"], ["demo"]):
        result = run(*command, "--help")
        assert result.returncode == 0 and "Usage:" in result.stdout
