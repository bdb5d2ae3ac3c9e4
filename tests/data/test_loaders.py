"""Loading pairs and judge files, and every bad-input case with its message."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from preftree.data import load_judges, load_judgments, load_pairs, parse_mapping
from preftree.errors import InputError

from ..conftest import write_jsonl

PAIR = {"id": "a", "prompt": "p", "response_1": "x", "response_2": "y"}


def test_jsonl_csv_parquet_give_the_same_pairs(tmp_path: Path, small_pairs_file: Path) -> None:
    frame = pd.read_json(small_pairs_file, lines=True)
    frame.to_csv(tmp_path / "pairs.csv", index=False)
    frame.to_parquet(tmp_path / "pairs.parquet")
    sets = [load_pairs(small_pairs_file), load_pairs(tmp_path / "pairs.csv"),
            load_pairs(tmp_path / "pairs.parquet")]
    for other in sets[1:]:
        assert other.ids == sets[0].ids
        assert other.labels().equals(sets[0].labels())
        assert other["p3"].metadata["helpfulness_2"] == sets[0]["p3"].metadata["helpfulness_2"]


def test_column_mapping_and_aliases(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "jb.jsonl", [
        {"pair_id": "u1", "question": "q", "response_A": "a", "response_B": "b", "label": "B>A"}])
    pairs = load_pairs(path)  # JudgeBench's names are known aliases
    assert pairs["u1"].response_2 == "b" and pairs["u1"].label == 1
    mapped = write_jsonl(tmp_path / "m.jsonl", [{"key": "k", "q": "q", "r1": "a", "r2": "b"}])
    pairs = load_pairs(mapped, mapping=parse_mapping("id=key,prompt=q,response_1=r1,response_2=r2"))
    assert pairs["k"].prompt == "q" and not pairs.has_labels


def test_multi_turn_prompt(tmp_path: Path) -> None:
    turns = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
             {"role": "user", "content": "and?"}]
    path = write_jsonl(tmp_path / "mt.jsonl", [{**PAIR, "prompt": turns}])
    pair = load_pairs(path)["a"]
    assert pair.prompt == turns and pair.prompt_text().endswith("user: and?")


def test_malformed_jsonl_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "prompt": "p", "response_1": "x", "response_2": "y"}\n{"id": oops}\n')
    with pytest.raises(InputError, match=r"bad\.jsonl:2: invalid JSON"):
        load_pairs(path)


def test_missing_columns_lists_expected_and_found(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"id": "a", "prompt": "p", "answer": "x"}])
    with pytest.raises(InputError) as info:
        load_pairs(path)
    message = str(info.value)
    assert "'response_1', 'response_2'" in message and "found 'id', 'prompt', 'answer'" in message


def test_unknown_label_values(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{**PAIR, "label": 7}, {**PAIR, "id": "b", "label": 9}])
    with pytest.raises(InputError, match="cannot tell the label format"):
        load_pairs(path)
    with pytest.raises(InputError, match=r"p\.jsonl:1: .*line 1: 7"):
        load_pairs(path, label_format="index")


def test_duplicate_ids_and_non_string_response(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"d\.jsonl:2: duplicate id 'a' \(first at line 1\)"):
        load_pairs(write_jsonl(tmp_path / "d.jsonl", [PAIR, PAIR]))
    with pytest.raises(InputError, match=r"n\.jsonl:1: 'response_2'"):
        load_pairs(write_jsonl(tmp_path / "n.jsonl", [{**PAIR, "response_2": None}]))


def test_judge_file_layouts(tmp_path: Path, small_pairs_file: Path) -> None:
    pairs = load_pairs(small_pairs_file)
    numeric = pd.DataFrame({"split": "x", "index": ["p0", "p1"], "model": "J",
                            "preference_orig_order": [-1, 1], "preference_swapped_order": [-1, -1],
                            "preference": [-1, 0]})
    numeric.to_csv(tmp_path / "j.csv", index=False)
    [judge] = load_judgments(tmp_path / "j.csv", pairs=pairs)
    assert judge.judge == "J" and judge["p1"].preference_swapped_order == -1
    # RLHFlow's raw letters: 'A' in the swapped order means response_2.
    letters = numeric.assign(preference_orig_order=["A", "B"], preference_swapped_order=["B", "FORMAT-ERROR"])
    letters.to_csv(tmp_path / "letters.csv", index=False)
    [judge] = load_judgments(tmp_path / "letters.csv")
    assert judge["p0"].preference_orig_order == -1 and judge["p0"].preference_swapped_order == -1
    assert judge["p1"].preference_swapped_order is None


def test_judge_ids_that_match_no_pair(tmp_path: Path, small_pairs_file: Path) -> None:
    pairs = load_pairs(small_pairs_file)
    pd.DataFrame({"index": ["p0", "zz1", "zz2"], "preference": [1, 1, -1]}).to_csv(
        tmp_path / "j.csv", index=False)
    with pytest.raises(InputError, match=r"2 of 3 verdicts .* \(e\.g\. 'zz1', 'zz2'\)"):
        load_judges([tmp_path / "j.csv"], pairs=pairs)


def test_bad_verdict_and_empty_folder(tmp_path: Path) -> None:
    pd.DataFrame({"index": ["a"], "preference": [3]}).to_csv(tmp_path / "j.csv", index=False)
    with pytest.raises(InputError, match=r"j\.csv:2: verdict 3"):
        load_judgments(tmp_path / "j.csv")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no judge files"):
        load_judges([tmp_path / "empty"])


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(InputError, match="unsupported file type"):
        load_pairs(tmp_path / "x.txt")
    with pytest.raises(InputError, match="no such file"):
        load_pairs(tmp_path / "missing.jsonl")
