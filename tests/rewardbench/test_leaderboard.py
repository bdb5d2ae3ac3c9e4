"""The leaderboard: local results merged with published figures (shipped seed table, shared CSVs)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.errors import InputError
from preftree.rewardbench import build_leaderboard, load_published, load_results, render


def _result(folder: Path, name: str, model: str, sections: dict[str, float], **extra) -> Path:
    score = sum(sections.values()) / len(sections)
    data = {"model": model, "model_type": "Seq. Classifier", "sections": sections, "score": score,
            "partial": {}, "rewardbench_version": 1, **extra}
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data))
    return path


def test_shipped_seed_table():
    seed = load_published("seed")
    assert len(seed) == 12 and seed.iloc[0]["model"] == "Decision-Tree-Reward-Gemma-2-27B"
    assert seed.iloc[0][["Score", "Chat", "Chat Hard", "Safety", "Reasoning"]].tolist() == \
        [95.4, 96.9, 91.4, 93.9, 99.2]
    assert seed.iloc[-1]["model"] == "Skywork-Reward-Llama-3.1-8B-v0.2" and seed.iloc[-1]["Score"] == 93.1


def test_shipped_seed_table_matches_the_shared_copy(shared_data):
    shared = pd.read_csv(shared_data / "rewardbench_results" / "seed_leaderboard_2025-01.csv")
    shipped = load_published("seed")
    assert shipped["model"].tolist() == shared["model"].tolist()
    for column in ("Score", "Chat", "Chat Hard", "Safety", "Reasoning"):
        assert shipped[column].tolist() == shared[column].tolist()


def test_local_run_of_a_published_model_shows_both_and_the_difference(tmp_path):
    _result(tmp_path, "dtr", "RLHFlow/Decision-Tree-Reward-Gemma-2-27B",
            {"Chat": 96.0, "Chat Hard": 91.0, "Safety": 94.0, "Reasoning": 99.0})
    _result(tmp_path, "mine", "me/<b>new</b>", {"Chat": 99.0, "Chat Hard": 95.0, "Safety": 95.0,
                                                "Reasoning": 99.6}, partial={"Chat": ["mt-bench-med"]})
    board = build_leaderboard(load_results([tmp_path]), [load_published("seed")])
    assert len(board) == 14 and board["rank"].tolist() == list(range(1, 15))
    assert board.iloc[0]["model"] == "me/<b>new</b>" and board.iloc[0]["note"] == "partial: Chat"
    local = board[board["model"] == "RLHFlow/Decision-Tree-Reward-Gemma-2-27B"].iloc[0]
    assert local["source"] == "local" and local["Δ vs published"] == pytest.approx(95.0 - 95.4)
    published = board[board["model"] == "Decision-Tree-Reward-Gemma-2-27B"].iloc[0]
    assert published["source"].startswith("published") and pd.isna(published["Δ vs published"])
    html = render(board, "html")
    assert "<b>new</b>" not in html and "&lt;b&gt;new&lt;/b&gt;" in html
    markdown = render(board, "md")
    assert "<b>" not in markdown and "| 1 | me/&lt;b&gt;new&lt;/b&gt; |" in markdown
    assert "-0.4" in markdown and "RLHFlow/Decision-Tree-Reward-Gemma-2-27B" in markdown
    assert render(board, "csv").splitlines()[0].startswith("rank,model,model_type,source,Score")


def test_merge_with_the_full_published_leaderboards(shared_data, tmp_path):
    v1 = shared_data / "rewardbench_results" / "rewardbench_v1.csv"
    _result(tmp_path, "inf", "infly/INF-ORM-Llama3.1-70B",
            {"Chat": 96.0, "Chat Hard": 91.0, "Safety": 93.0, "Reasoning": 99.0})
    result = CliRunner().invoke(cli, ["leaderboard", "--results", str(tmp_path), "--published",
                                      str(v1), "--format", "csv", "--out", str(tmp_path / "b.csv")])
    assert result.exit_code == 0, result.output
    board = pd.read_csv(tmp_path / "b.csv")
    assert len(board) == 188
    assert board["Score"].is_monotonic_decreasing
    local = board[board["source"] == "local"].iloc[0]
    assert local["Δ vs published"] == pytest.approx(94.75 - 95.11, abs=1e-6)
    v2 = shared_data / "rewardbench_results" / "rewardbench_v2.csv"
    v2_result = {"model": "Skywork/Skywork-Reward-V2-Llama-3.1-8B", "model_type": "Seq. Classifier",
                 "rewardbench_version": 2, "score": 80.0, "Factuality": 0.8, "Precise IF": 0.6,
                 "Math": 0.7, "Safety": 0.9, "Focus": 0.95, "Ties": 0.85, "partial": {}}
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / "sky.json").write_text(json.dumps(v2_result))
    board2 = build_leaderboard(load_results([tmp_path / "v2"], 2), [load_published(v2, 2)], 2)
    assert len(board2) == 198
    row = board2[board2["source"] == "local"].iloc[0]
    assert row["Factuality"] == pytest.approx(80.0) and row["Δ vs published"] == pytest.approx(80 - 84.13)


def test_errors_are_clear(tmp_path):
    with pytest.raises(InputError, match="no results"):
        load_results([tmp_path])
    bad = tmp_path / "bad.csv"
    bad.write_text("name,score\nx,1\n")
    with pytest.raises(InputError, match="need columns"):
        load_published(bad)
    _result(tmp_path, "r", "m", {"Chat": 1.0})
    with pytest.raises(InputError, match="v1 result in a v2 leaderboard"):
        load_results([tmp_path], 2)


@pytest.mark.parametrize("score", ["Infinity", "NaN", '"90.5"', "true"])
def test_results_with_scores_that_are_not_finite_numbers_are_refused(tmp_path, score):
    path = tmp_path / "r.json"
    path.write_text('{"model": "m", "score": ' + str(score) + ', "sections": {"Chat": 90.0}}')
    result = CliRunner().invoke(cli, ["leaderboard", "--results", str(path), "--published", "none"])
    assert result.exit_code == 2 and "must be a finite number" in result.output
    assert "bug" not in result.output
