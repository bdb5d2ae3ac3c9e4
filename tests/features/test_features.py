"""Feature sources and differences: columns, scores files, style, and the non-finite check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from preftree.data import load_pairs
from preftree.errors import InputError
from preftree.features import STYLE_FEATURES, build_features, style_of

from ..conftest import write_jsonl


def test_style_counts_follow_the_documented_formulas() -> None:
    text = "# A\n## B\n\n1. one\n2) two\n* three\n\n**bold** and __also__\n\n~~~\n- not a list\n~~~"
    assert style_of(text) == {"length_chars": len(text), "length_words": len(text.split()),
                              "headers": 2, "list_items": 3, "bold": 2, "code_blocks": 1}
    assert style_of("")["length_words"] == 0
    assert style_of("```\nunclosed")["code_blocks"] == 1


def test_differences_are_response_2_minus_response_1(small_pairs_file: Path) -> None:
    pairs = load_pairs(small_pairs_file)
    table = build_features(pairs, ["columns:helpfulness", "style"])
    assert table.feature_names == ["helpfulness_diff"] + [f"{f}_diff" for f in STYLE_FEATURES]
    pair = pairs["p5"]
    diffs = table.diffs.loc["p5"]
    assert diffs["helpfulness_diff"] == pair.metadata["helpfulness_2"] - pair.metadata["helpfulness_1"]
    assert diffs["length_chars_diff"] == len(pair.response_2) - len(pair.response_1)


def test_scores_file_source(tmp_path: Path, small_pairs_file: Path) -> None:
    pairs = load_pairs(small_pairs_file)
    scores = pd.DataFrame({"id": pairs.ids, "reward_1": np.arange(40.0), "reward_2": np.zeros(40)})
    scores.to_parquet(tmp_path / "s.parquet")
    table = build_features(pairs, [f"scores:{tmp_path / 's.parquet'}"])
    assert table.diffs.loc["p3", "reward_diff"] == -3.0
    scores.iloc[:38].to_parquet(tmp_path / "short.parquet")
    with pytest.raises(InputError, match=r"2 of 40 pairs have no scores \(e\.g\. 'p38', 'p39'\)"):
        build_features(pairs, [f"scores:{tmp_path / 'short.parquet'}"])


def test_non_finite_values_name_feature_and_row(tmp_path: Path) -> None:
    records = [{"id": f"q{i}", "prompt": "p", "response_1": "a", "response_2": "b",
                "score_1": 1.0, "score_2": 2.0} for i in range(3)]
    records[2]["score_2"] = float("inf")
    pairs = load_pairs(write_jsonl(tmp_path / "p.jsonl", records))  # json writes inf as Infinity
    with pytest.raises(InputError, match=r"feature 'score' of response_2 is inf for pair 'q2' \(row 3\)"):
        build_features(pairs, ["columns:score"])


def test_missing_rating_columns_and_bad_specs(small_pairs_file: Path) -> None:
    pairs = load_pairs(small_pairs_file)
    with pytest.raises(InputError, match="needs columns verbosity_1 and verbosity_2; per-response "
                                         "columns found: helpfulness"):
        build_features(pairs, ["columns:verbosity"])
    with pytest.raises(InputError, match="unknown feature spec 'colour'"):
        build_features(pairs, ["colour"])
    with pytest.raises(InputError, match="come from two sources"):
        build_features(pairs, ["style", "style"])


def test_non_numeric_rating(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [
        {"id": "a", "prompt": "p", "response_1": "x", "response_2": "y", "h_1": "good", "h_2": 2}])
    with pytest.raises(InputError, match="value 'good' of pair 'a' .* is not a number"):
        build_features(load_pairs(path), ["columns:h"])
