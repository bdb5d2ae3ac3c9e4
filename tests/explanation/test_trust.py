"""Labels are never guessed wrong, and a tree that explains nothing says so.

The first test is the silent-100 % case: AlpacaEval/PandaLM labels {0, 1, 2} were read as
HelpSteer2's strength scale, every non-tie became "response_2 better", and a constant label gave a
perfect tree."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from preftree import ExplainConfig, PairSet, build_features, explain, load_pairs
from preftree.cli import cli
from preftree.data.label_column import read_labels
from preftree.data.labels import detect_label_format, label_candidates
from preftree.errors import InputError
from preftree.explanation.analysis import explain_judge, feature_groups

from ..conftest import write_jsonl


def _pairs(tmp_path: Path, labels: list, **columns: list) -> Path:
    rng = np.random.default_rng(0)
    rows = []
    for i, label in enumerate(labels):
        short, long = "word " * int(rng.integers(1, 20)), "word " * int(rng.integers(20, 60))
        first_long = label in (1, "1") if not isinstance(label, float) else label < 1.5
        rows.append({"id": f"p{i}", "prompt": f"q{i}", "response_1": long if first_long else short,
                     "response_2": short if first_long else long, "label": label,
                     **{k: v[i] for k, v in columns.items()}})
    return write_jsonl(tmp_path / "pairs.jsonl", rows)


def test_zero_one_two_is_stated_never_strength_nor_guessed(tmp_path: Path) -> None:
    """{0, 1, 2} is PandaLM's 0 = tie and Auto-J's 2 = tie: never detected (issue 19); stated,
    it is read that way and never as strength."""
    labels = [1, 2, 0] * 40  # 0 = tie, 1 = response_1, 2 = response_2: mixed, as in PandaLM
    assert detect_label_format(labels) is None
    assert set(label_candidates(labels)) == {"index-tie", "alpacaeval"}  # detectable formats
    with pytest.raises(InputError, match="0=tie,1=response_1,2=response_2"):
        load_pairs(_pairs(tmp_path, labels))
    pairs = load_pairs(_pairs(tmp_path, labels), label_format="index-tie")
    assert pairs.label_format == "index-tie"
    assert pairs.as_judgments().class_counts() == {"response_1": 40, "tie": 40, "response_2": 40}
    result = explain(pairs, [], ["style"], ExplainConfig(bootstrap=5))
    summary = result.judges[0].summary()
    assert summary["class_counts"] == {"response_1": 40, "tie": 40, "response_2": 40}
    assert summary["n_ties_dropped"] == 40
    assert summary["label_format"] == "index-tie"


@pytest.mark.parametrize("values", [[0, 1], [1], [0, 1, 1, 0]])
def test_readings_that_disagree_are_an_error_naming_them(values: list) -> None:
    assert detect_label_format(values) is None
    with pytest.raises(InputError, match="ambiguous") as info:
        read_labels(values, source="p.jsonl")
    message = str(info.value)
    assert "--label-format" in message and "binary" in message and "signed" in message


def test_strength_needs_a_negative_value() -> None:
    assert "strength" not in label_candidates([1, 2, 3])
    assert detect_label_format([1, 2, 3]) is None  # 3 fits no other format
    assert detect_label_format([-2, 1, 3]) == "strength"


def test_alpacaeval_draws_and_soft_labels() -> None:
    parsed = read_labels([1.0, 2.0, 1.5, 0, 1.25, 1.9], "alpacaeval")
    assert parsed.preferences == [-1, 1, 0, 0, -1, 1]
    assert parsed.weights == pytest.approx([1, 1, 1, 1, 0.5, 0.8])
    assert parsed.soft and detect_label_format([1.0, 1.25, 2.0]) == "alpacaeval"


def test_soft_labels_are_fitted_as_sample_weights(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rows = []
    for i in range(300):  # longer response_2 leans to 2, loosely: leaves are mixed
        words_1, words_2 = int(rng.integers(1, 60)), int(rng.integers(1, 60))
        lean = 1.5 + 0.4 * np.tanh((words_2 - words_1) / 20) + rng.normal(0, 0.25)
        rows.append({"id": f"p{i}", "prompt": "q", "response_1": "w " * words_1,
                     "response_2": "w " * words_2, "label": float(np.clip(np.round(lean, 2), 1, 2))})
    pairs = load_pairs(write_jsonl(tmp_path / "soft.jsonl", rows))
    assert pairs.label_format == "alpacaeval"
    features = build_features(pairs, ["style"])
    explanation = explain_judge(features, pairs.as_judgments(), ExplainConfig(bootstrap=3))
    labels = pairs.as_judgments()
    by_hand = ExplainConfig(bootstrap=3).tree().fit(
        features.diffs.loc[labels.ids], labels.preferences().to_numpy(),
        labels.weights().to_numpy())
    assert explanation.tree.export_text() == by_hand.export_text()
    unweighted = ExplainConfig(bootstrap=3).tree().fit(features.diffs.loc[labels.ids],
                                                       labels.preferences().to_numpy())
    probe = features.diffs.loc[labels.ids]
    assert not np.allclose(explanation.tree.predict_proba(probe), unweighted.predict_proba(probe))


def _noise(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a_diff": rng.normal(size=n), "b_diff": rng.normal(size=n)})
    return X, np.where(rng.random(n) < 0.6, 1, -1)


def test_a_tree_on_noise_says_it_explains_nothing() -> None:
    X, y = _noise(400)
    explanation = explain_judge(X, pd.Series(y, index=X.index, name="noise"),
                                ExplainConfig(bootstrap=5, max_depth=3))
    summary = explanation.summary()
    assert summary["beats_majority"] is False and "explains nothing" in summary["caveat"]


def test_near_constant_features_are_no_baseline() -> None:
    X, y = _noise(400, seed=2)
    X["rare_diff"] = 0.0
    X.loc[X.index[:8], "rare_diff"] = 1.0  # 98 % zeros: its sign rule is the majority in disguise
    report = explain_judge(X, pd.Series(y, index=X.index), ExplainConfig(bootstrap=3)).cv
    assert report.near_constant == ["rare_diff"]
    assert report.best_single_feature["feature"] != "rare_diff"


def test_near_duplicate_features_are_reported_as_a_group() -> None:
    rng = np.random.default_rng(3)
    chars = rng.normal(0, 100, 600)
    X = pd.DataFrame({"length_chars_diff": chars, "length_words_diff": chars / 5 + rng.normal(0, 1, 600),
                      "helpfulness_diff": rng.integers(-2, 3, 600).astype(float)})
    y = np.where(chars / 100 + 0.3 * X["helpfulness_diff"] + rng.normal(0, 0.3, 600) > 0, 1, -1)
    assert feature_groups(X) == [["length_chars_diff", "length_words_diff"]]
    explanation = explain_judge(X, pd.Series(y, index=X.index), ExplainConfig(bootstrap=40))
    table = explanation.importances.set_index("feature")
    group = table.loc["length_chars_diff + length_words_diff"]
    members = table.loc[["length_chars_diff", "length_words_diff"]]
    assert group["kind"] == "group" and set(members["group"]) == {group.name}
    assert group["ci_high"] - group["ci_low"] < (members["ci_high"] - members["ci_low"]).max()
    summary = explanation.summary()
    assert summary["feature_groups"][0]["features"] == ["length_chars_diff", "length_words_diff"]
    assert {i["feature"]: i["direction"] for i in summary["importances"]}["length_chars_diff"] == \
        "prefers longer"


def test_auto_depth_keeps_leaves_of_a_minimum_size() -> None:
    X, y = _noise(500, seed=4)
    y = np.where(X["a_diff"] + 0.2 * np.random.default_rng(0).normal(size=500) > 0, 1, -1)
    explanation = explain_judge(X, pd.Series(y, index=X.index),
                                ExplainConfig(bootstrap=3, max_depth="auto"))
    structure = explanation.tree.structure_
    assert min(int(structure.n_samples[leaf]) for leaf in structure.leaves) >= 5  # 1 % of 500


def test_the_cli_prints_the_format_the_counts_and_the_warning(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    path = write_jsonl(tmp_path / "noise.jsonl", [
        {"id": f"p{i}", "prompt": "q", "response_1": "a " * int(rng.integers(1, 30)),
         "response_2": "b " * int(rng.integers(1, 30)), "label": "A>B" if rng.random() < 0.55 else "B>A"}
        for i in range(300)])
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--resamples", "5",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "label 'label' read as ab: response_1 better" in result.output
    assert "WARNING: this tree explains nothing" in result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["label_format"] == "ab" and summary["beats_majority"] is False
    assert sum(summary["class_counts"].values()) == 300


def test_judgebench_gold_with_style_features_explains_nothing(shared_data: Path, tmp_path: Path) -> None:
    """The issue's real case: JudgeBench's objective labels are not about style."""
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(shared_data / "judgebench" / "pairs.jsonl"),
                                      "--features", "style", "--resamples", "20",
                                      "--out", str(tmp_path / "jb")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "jb" / "summary.json").read_text())
    assert summary["label_format"] == "ab"
    assert summary["beats_majority"] is False and "explains nothing" in summary["caveat"]
    assert "WARNING: this tree explains nothing" in result.output


def test_pairset_keeps_the_label_format_through_subsets(tmp_path: Path) -> None:
    pairs = load_pairs(_pairs(tmp_path, [1, 2] * 10))
    assert isinstance(pairs.subset(pairs.ids[:3]), PairSet)
    assert pairs.subset(pairs.ids[:3]).label_format == "index"


def test_third_party_judge_files_get_one_notice(shared_data: Path, tmp_path: Path) -> None:
    llmbar = shared_data / "llmbar"
    result = CliRunner().invoke(cli, [
        "explain", "--pairs", str(llmbar / "pairs.jsonl"), "--judge", str(llmbar / "judges"),
        "--resamples", "3", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "12 judge file(s)" in notes[0] and "pair_sha" in notes[0]
