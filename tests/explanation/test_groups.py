"""``explain --by COLUMN``: the pooled tree hides that a judge rewards length in one task type and
brevity in another; one tree per group shows it, the permutation test says the effect differs,
and a group too small for a tree is listed with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from preftree.cli import cli
from preftree.explanation.groups import effect_differs_test

from ..conftest import write_jsonl


def _rows(seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(240):
        scenario = "writing" if i < 110 else ("coding" if i < 230 else "rare")
        a, b = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        if a == b:
            b += 1
        longer_second = b > a
        prefers_second = longer_second if scenario != "coding" else not longer_second
        if rng.random() < 0.1:
            prefers_second = not prefers_second
        rows.append({"id": f"p{i}", "prompt": f"task {i}", "response_1": "word " * a,
                     "response_2": "word " * b, "scenario": scenario,
                     "label": 1 if prefers_second else -1})
    return rows


def test_the_effect_of_length_differs_by_scenario(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", _rows())
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--by", "scenario",
                                      "--permutations", "200", "--cv", "3", "--resamples", "5",
                                      "--out", str(tmp_path / "e")])
    assert result.exit_code == 0, result.output
    assert "-- by scenario: 2 groups with a tree, 1 too small" in result.output
    assert "rare" in result.output and "no tree: 10 pairs with a preference" in result.output
    assert "conclusion changes in writing" in result.output  # pooled: 120 coding pairs prefer shorter
    summary = json.loads((tmp_path / "e" / "summary.json").read_text())
    assert summary["by"] == "scenario"
    groups = {g["group"]: g for g in summary["groups"]}
    assert groups["rare"]["skipped"].startswith("10 pairs")
    assert groups["writing"]["top_direction"].startswith("prefers longer")
    assert groups["coding"]["top_direction"].startswith("prefers shorter")
    assert groups["coding"]["cv_accuracy"] > 0.75 and {"n", "majority_baseline"} <= set(groups["coding"])
    tests = pd.read_csv(tmp_path / "e" / "group_tests.csv").set_index("feature")
    assert tests.loc["length_words_diff", "p_holm"] < 0.05
    assert tests.loc["length_words_diff", "lean[coding]"] < 0 < tests.loc["length_words_diff", "lean[writing]"]
    assert (tmp_path / "e" / "importance_by_group.csv").exists()


def test_no_difference_gives_a_large_p_value() -> None:
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    y = np.where(X["a"] + 0.3 * rng.normal(size=400) > 0, 1, -1)
    groups = np.array(["g1", "g2"] * 200)
    table = effect_differs_test(X, y, groups, permutations=300, seed=0).set_index("feature")
    assert table.loc["a", "p_value"] > 0.05


def test_an_unknown_column_is_named(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", _rows())
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--by", "task",
                                      "--out", str(tmp_path / "e")])
    assert result.exit_code == 2 and "--by 'task'" in result.output and "scenario" in result.output


def test_llmbar_by_subset(shared_data: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(shared_data / "llmbar" / "pairs.jsonl"),
                                      "--judge", str(shared_data / "llmbar" / "judges" / "GPT-4-Vanilla.csv"),
                                      "--by", "subset", "--permutations", "100", "--cv", "3",
                                      "--resamples", "5", "--out", str(tmp_path / "e")])
    assert result.exit_code == 0, result.output
    judge = json.loads((tmp_path / "e" / "summary.json").read_text())  # one judge: at the top
    assert judge["by"] == "subset" and len(judge["groups"]) == 5
    assert sum(g["n"] for g in judge["groups"]) == judge["n_pairs"] + judge["n_ties_dropped"]
    assert "-- by subset" in result.output


def _mixed_rows(seed: int = 3) -> list[dict]:
    """A judge that prefers longer answers in one group, guesses in another (its tree cannot
    beat the majority there), and in a third group of long name prefers shorter."""
    rng = np.random.default_rng(seed)
    rows = []
    groups = ["length-matters"] * 160 + ["coin-flip"] * 80 + ["a group with a rather long name, whole"] * 80
    for i, group in enumerate(groups):
        a, b = int(rng.integers(1, 60)), int(rng.integers(1, 60))
        b += a == b
        longer_second = b > a
        if group == "coin-flip":
            prefers_second = rng.random() < 0.5
        else:
            prefers_second = longer_second if group == "length-matters" else not longer_second
            prefers_second ^= bool(rng.random() < 0.1)
        text_1 = " ".join(["word"] * a) + ("!" * int(rng.integers(0, 3)))
        rows.append({"id": f"p{i}", "prompt": f"task {i}", "response_1": text_1,
                     "response_2": " ".join(["word"] * b), "pair_type": group, "label": 1 if prefers_second else -1})
    return rows


def test_by_says_only_what_it_computed(tmp_path: Path) -> None:
    """Issue 27, item 2: no 0.000 for what was not computed, a group never below its members, no
    "change" from a group whose tree does not beat its majority, a direction on every group row,
    names whole, and --table-only keeps the --by table."""
    path = write_jsonl(tmp_path / "p.jsonl", _mixed_rows())
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--by", "pair_type", "--features", "style",
                                      "--resamples", "20", "--permutations", "50", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "importance_by_group.csv", index_col="feature")
    for label in [i for i in table.index if " + " in i]:
        for member in label.split(" + "):
            both = table.loc[[label, member]].dropna(axis=1)
            assert (both.loc[label] >= both.loc[member] - 1e-9).all(), (label, member)
    summary = json.loads((out / "summary.json").read_text())
    records = {g["group"]: g for g in summary["groups"]}
    coin = records["coin-flip"]
    assert not coin.get("beats_majority", True) or "skipped" in coin
    assert not any(c.startswith("coin-flip") for c in summary["group_changes"])
    assert "a group with a rather long name, whole" in result.output  # not cut at 24 characters
    assert "no better than its majority" in result.output or "skipped" in coin
    for record in records.values():
        assert "skipped" in record or record["top_direction"].strip("() "), record
    assert "()" not in result.output.split("-- by pair_type")[1].split("importance by group")[0]
    # two judges, table only: the --by table stays
    judge = tmp_path / "j.csv"
    judge.write_text("index,preference\n" + "\n".join(f"p{i},{1 if i % 3 else -1}" for i in range(320)) + "\n")
    again = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--by", "pair_type", "--features", "style",
                                     "--judge", str(judge), "--explain-label", "--table-only", "--resamples", "10",
                                     "--permutations", "20", "--out", str(tmp_path / "two")])
    assert again.exit_code == 0, again.output
    assert "-- by pair_type" in again.output


def test_a_group_row_not_computed_stays_empty() -> None:
    from preftree.explanation.groups import _with_group_rows

    table = pd.DataFrame({"pooled": {"a": 0.5, "b": 0.3, "a + b": 0.8, "c": 0.1},
                          "matched": {"a": 0.697, "b": 0.207, "a + b": np.nan, "c": np.nan}})
    filled = _with_group_rows(table)
    assert filled.at["a + b", "matched"] == 0.697 + 0.207  # never 0, never below a member
    assert np.isnan(filled.at["c", "matched"])  # not computed: empty, not 0


def test_the_report_marks_a_group_no_better_than_its_majority(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", _mixed_rows())
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--by", "pair_type", "--features", "style",
                                    "--resamples", "10", "--permutations", "20", "--out", str(out)]).exit_code == 0
    assert CliRunner().invoke(cli, ["report", str(out), "--out", str(tmp_path / "r.md")]).exit_code == 0
    coin = next(line for line in (tmp_path / "r.md").read_text().splitlines() if line.startswith("| coin-flip"))
    assert "no better than its majority" in coin and "prefers" not in coin


def test_group_names_never_collide_with_real_values() -> None:
    from preftree.explanation.groups import _group_names

    names = _group_names(["1", 1, "1 (number)", None, "(missing)"])
    assert len(set(names)) == 5 and names[2] == "1 (number)" and names[1] != "1 (number)"


def test_group_keys_of_any_number_or_missing_kind() -> None:
    from preftree.explanation.groups import _group_names

    names = _group_names([10 ** 400, 1, np.int64(1), "1", pd.NA, None, "<NA>", 1.0])
    assert names[1] == names[2] == names[7] and names[1] != names[3]  # 1, numpy's 1 and 1.0 are one
    assert names[4] == names[5] != names[6]  # pd.NA is missing, not the text "<NA>"
    assert len({names[0], names[1]}) == 2
