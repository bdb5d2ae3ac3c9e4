"""`preftree judge` as a user runs it: a subprocess killed with SIGKILL mid-run resumes with no pair
lost or duplicated; then `preftree explain` reads the judge file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from preftree.judges import journal_path
from preftree.judges.local_server import LocalJudgeServer

PAIRS = Path(__file__).resolve().parents[2] / "src" / "preftree" / "examples" / "demo_pairs.jsonl"


def _judge(server: LocalJudgeServer, out: Path, pairs: Path = PAIRS, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "LOCAL_KEY": "sk-never-written-42"}
    return subprocess.Popen([sys.executable, "-m", "preftree", "judge", "--pairs", str(pairs),
                             "--model", "local-judge", "--base-url", server.url, "--api-key-env",
                             "LOCAL_KEY", "--concurrency", "4", "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _journal_rows(out: Path) -> list[dict]:
    lines = journal_path(out).read_text().splitlines() if journal_path(out).exists() else []
    return [json.loads(line) for line in lines[1:] if line.endswith("}")]


def _signal_after(process: subprocess.Popen, out: Path, rows: int, signum: int) -> None:
    """Send ``signum`` once the journal holds ``rows`` answers (or after two minutes)."""
    deadline = time.monotonic() + 120
    while len(_journal_rows(out)) < rows and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signum)


def test_sigkill_then_resume_loses_and_duplicates_nothing(tmp_path):
    out = tmp_path / "judges" / "local.csv"
    with LocalJudgeServer(latency=0.02) as server:
        process = _judge(server, out)
        _signal_after(process, out, 150, signal.SIGKILL)
        process.wait()
        assert process.returncode == -signal.SIGKILL
        assert not out.exists()  # the judge file is only written whole
        answered_before = len({(r["pair_id"], r["order"]) for r in _journal_rows(out)})
        assert 150 <= answered_before < 600
        requests_before = server.log.requests

        process = _judge(server, out)
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        assert f"{600 - answered_before} requests this run, {answered_before} answers reused" in stdout
        # only what was unanswered (plus at most the 4 in flight at the kill) was asked again
        assert server.log.requests - requests_before == 600 - answered_before
    rows = _journal_rows(out)
    keys = [(r["pair_id"], r["order"]) for r in rows]
    assert len(keys) == len(set(keys)) == 600  # nothing duplicated, nothing lost
    frame = pd.read_csv(out)
    assert len(frame) == 300 and frame["index"].is_unique and frame["preference"].notna().all()
    for path in out.parent.iterdir():
        assert "sk-never-written-42" not in path.read_text()

    explained = subprocess.run([sys.executable, "-m", "preftree", "explain", "--pairs", str(PAIRS),
                                "--judge", str(out.parent), "--features", "style", "--bootstrap", "5",
                                "--out", str(tmp_path / "explained"), "--quiet"],
                               capture_output=True, text=True, timeout=300)
    assert explained.returncode == 0, explained.stderr
    summary = json.loads((tmp_path / "explained" / "summary.json").read_text())
    assert summary["judge"] == "local-judge"
    assert summary["importances"][0]["feature"] in ("length_chars_diff", "length_words_diff")


def test_llmbar_through_the_local_server_then_explain(shared_data, tmp_path):
    pairs = shared_data / "llmbar" / "pairs.jsonl"
    out = tmp_path / "judges" / "longer.csv"
    with LocalJudgeServer() as server:
        process = _judge(server, out, pairs, "--concurrency", "32", "--judge-name", "longer", "--quiet")
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        assert server.log.requests == 2 * 419
    frame = pd.read_csv(out)
    assert len(frame) == 419 and (frame["error"].fillna("") == "").mean() > 0.95
    explained = subprocess.run([sys.executable, "-m", "preftree", "explain", "--pairs", str(pairs),
                                "--judge", str(out.parent), "--judge",
                                str(shared_data / "llmbar" / "judges" / "GPT-4-CoT.csv"),
                                "--features", "style", "--bootstrap", "5", "--out",
                                str(tmp_path / "explained"), "--quiet"],
                               capture_output=True, text=True, timeout=300)
    assert explained.returncode == 0, explained.stderr
    local = json.loads((tmp_path / "explained" / "longer" / "summary.json").read_text())
    assert local["importances"][0]["feature"] in ("length_chars_diff", "length_words_diff")
    assert local["cv_accuracy"] > 0.9  # a length rule is what this judge is
    agreement = pd.read_csv(tmp_path / "explained" / "agreement.csv", index_col=0)
    assert "longer" in agreement.index and "GPT-4-CoT" in agreement.columns


def test_ctrl_c_is_one_line_exit_130_and_the_rerun_resumes(tmp_path):
    out = tmp_path / "local.csv"
    with LocalJudgeServer(latency=0.05) as server:
        process = _judge(server, out)
        _signal_after(process, out, 40, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 130, stderr
        assert "Traceback" not in stderr and "Error: interrupted; finished work is kept" in stderr
        kept = len(_journal_rows(out))
        assert kept >= 40 and not out.exists()
        process = _judge(server, out)
        stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    assert f"{600 - kept} requests this run, {kept} answers reused" in stdout
