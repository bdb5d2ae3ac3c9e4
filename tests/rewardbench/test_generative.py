"""RewardBench with a generative judge served by a local OpenAI-compatible HTTP server (real HTTP on
a local socket): accuracies equal those computed by hand from the server's own verdicts, under
allenai's accounting and the both-orders variant; the results land in the leaderboard."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.judges.local_server import Faults, LocalJudgeServer

from ..conftest import write_jsonl


def _examples(n: int = 48) -> list[dict]:
    rows = []
    for i in range(n):
        chosen = "a well supported answer " * (1 + i % 4)
        rejected = "short" if i % 3 else chosen  # every third pair: equal length, a [[C]] tie
        if i % 5 == 0:
            chosen, rejected = "brief", "a much longer but wrong answer " * 3  # the judge errs
        rows.append({"id": f"{i:03d}", "subset": "llmbar-natural" if i % 2 else "alpacaeval-easy",
                     "prompt": f"question {i}", "chosen": chosen, "rejected": rejected})
    return rows


def _by_hand(rows: list[dict], seed: int) -> tuple[dict[str, float], dict[str, float]]:
    """The server prefers the longer answer, [[C]] when equal: per order, credit 1/0/0.5."""
    allenai: dict[str, list[float]] = {}
    both: dict[str, list[float]] = {}
    for row in rows:
        c, r = len(row["chosen"]), len(row["rejected"])
        credit = 0.5 if c == r else (1.0 if c > r else 0.0)  # the same verdict in both orders
        coin_orig = hashlib.sha256(f"{seed}:{row['id']}".encode()).digest()[0] % 2 == 0
        allenai.setdefault(row["subset"], []).append(credit if coin_orig else credit)
        both.setdefault(row["subset"], []).append(credit)
    return ({s: float(np.mean(v)) for s, v in allenai.items()},
            {s: float(np.mean(v)) for s, v in both.items()})


def test_a_generative_judge_runs_rewardbench_end_to_end(tmp_path: Path) -> None:
    rows = _examples()
    data = write_jsonl(tmp_path / "rb.jsonl", rows)
    out = tmp_path / "results" / "Skywork-Critic-Llama-3.1-70B.json"
    with LocalJudgeServer(mode="longer-brackets") as server:
        result = CliRunner().invoke(cli, ["rewardbench", "--judge-model", "Skywork/Skywork-Critic-Llama-3.1-70B",
                                          "--judge-backend", "openai", "--base-url", server.url,
                                          "--data", str(data), "--resamples", "0", "--seed", "3",
                                          "--out", str(out), "--quiet"])
        requests = server.log.requests
    assert result.exit_code == 0, result.output
    assert requests == 2 * len(rows)  # both orders of every pair
    results = json.loads(out.read_text())
    allenai, both = _by_hand(rows, seed=3)
    for subset, accuracy in allenai.items():
        assert results[subset] == pytest.approx(accuracy)
        assert results["both_orders"]["subsets"][subset] == pytest.approx(both[subset])
    assert results["model_type"] == "Generative" and "allenai" in results["scoring"]["accounting"]
    assert results["scoring"]["verdict_format"] == "brackets"  # the catalogue's skywork-critic prompt
    judgments = (out.parent / "Skywork-Critic-Llama-3.1-70B.judgments.csv").read_text()
    assert judgments.count("\n") == len(rows) + 1
    board = CliRunner().invoke(cli, ["leaderboard", "--results", str(out.parent), "--format", "csv"])
    assert board.exit_code == 0 and "Skywork-Critic-Llama-3.1-70B,Generative,local" in board.output


def test_position_bias_separates_the_two_accountings(tmp_path: Path) -> None:
    """A judge that always answers [[A]]: allenai's one random order scores about half by luck of
    the coin; both orders score exactly one half on every pair."""
    rows = _examples(40)
    data = write_jsonl(tmp_path / "rb.jsonl", rows)
    out = tmp_path / "r.json"
    with LocalJudgeServer(mode="first") as server:
        result = CliRunner().invoke(cli, ["rewardbench", "--judge-model", "m", "--judge-backend", "openai",
                                          "--base-url", server.url, "--judge-template", "preftree",
                                          "--data", str(data), "--resamples", "0", "--out", str(out),
                                          "--quiet"])
    assert result.exit_code == 0, result.output
    results = json.loads(out.read_text())
    assert all(v == pytest.approx(0.5) for v in results["both_orders"]["subsets"].values())
    coins = [hashlib.sha256(f"0:{r['id']}".encode()).digest()[0] % 2 == 0 for r in rows]
    expected = {}
    for row, orig in zip(rows, coins):  # "A" in the original order is the chosen answer
        expected.setdefault(row["subset"], []).append(1.0 if orig else 0.0)
    for subset, credits in expected.items():
        assert results[subset] == pytest.approx(np.mean(credits))


def test_api_errors_are_not_scored_as_ties(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "rb.jsonl", _examples(6))
    with LocalJudgeServer(faults=Faults(status=500, times=100)) as server:
        result = CliRunner().invoke(cli, ["rewardbench", "--judge-model", "m", "--judge-backend", "openai",
                                          "--base-url", server.url, "--max-retries", "0",
                                          "--data", str(data), "--out", str(tmp_path / "r.json")])
    assert result.exit_code == 1 and "run the same command again" in result.output
    assert not (tmp_path / "r.json").exists()


def test_empty_and_error_answers_are_counted_apart_from_ties(tmp_path: Path) -> None:
    """A server that answers "" or "Upstream error" for some prompts: allenai's headline still
    scores those 0.5, but they are counted apart from the judge's real ties, with a warning."""
    rows = _examples(30)
    for i, row in enumerate(rows):
        row["prompt"] += " [empty]" if i % 10 == 1 else (" [upstream]" if i % 10 == 2 else "")
    data = write_jsonl(tmp_path / "rb.jsonl", rows)
    out = tmp_path / "r.json"
    with LocalJudgeServer(mode="broken-brackets") as server:
        result = CliRunner().invoke(cli, ["rewardbench", "--judge-model", "m", "--judge-backend", "openai",
                                          "--base-url", server.url, "--data", str(data),
                                          "--resamples", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    results = json.loads(out.read_text())
    verdicts = results["verdicts"]
    assert verdicts["empty"] == 3 and verdicts["unparsable"] == 3
    real_ties = sum(1 for i, r in enumerate(rows) if i % 10 not in (1, 2)
                    and len(r["chosen"]) == len(r["rejected"]))
    assert verdicts["tie"] == results["n_ties"] == real_ties
    assert sum(verdicts.values()) == len(rows)
    assert results["n_no_verdict"] == 6 and "6 of 30 counted answers" in results["warnings"][0]
    assert "WARNING: 6 of 30" in result.output
