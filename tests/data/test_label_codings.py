"""Labels are stated or unambiguous, never inferred by analogy: the same {0, 1, 2} means
"0 = tie" in PandaLM and "2 = tie" in the Auto-J pairwise test set, and reading one the other's way
reversed a conclusion. Rows that cannot form a pair are skipped and listed; files without ids and
with other columns names load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from preftree import load_pairs
from preftree.cli import cli
from preftree.data.labels import parse_label_map
from preftree.errors import ConfigError, InputError

from ..conftest import write_jsonl


def _autoj_rows(n: int = 60) -> list[dict]:
    """The Auto-J pairwise test set's schema: no id column, "response 1"/"response 2" with a space,
    label 0 = response 1 better, 1 = response 2 better, 2 = tie; the annotators prefer longer."""
    rows = []
    for i in range(n):
        short, long = "Brief.", "A longer, more complete answer " * (1 + i % 3)
        label = i % 3  # 0: response 1 better, 1: response 2 better, 2: tie
        first, second = (long, short) if label == 0 else ((short, long) if label == 1 else (short, short + " "))
        rows.append({"scenario": ["code", "chitchat"][i % 2], "label": label,
                     "prompt": f"Question {i}", "response 1": first, "response 2": second})
    return rows


def test_a_three_valued_coding_is_refused_with_the_flag_line_of_each_reading(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "testdata_pairwise.jsonl", _autoj_rows())
    with pytest.raises(InputError) as caught:
        load_pairs(path)
    message = str(caught.value)
    assert "--label-map 0=tie,1=response_1,2=response_2" in message and "PandaLM" in message
    assert "--label-map 0=response_1,1=response_2,2=tie" in message and "Auto-J" in message
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--out", str(tmp_path / "e")])
    assert result.exit_code == 2 and "--label-map 0=response_1,1=response_2,2=tie" in result.output


def test_the_stated_coding_is_read_and_shown_with_examples(tmp_path: Path) -> None:
    rows = _autoj_rows()
    path = write_jsonl(tmp_path / "testdata_pairwise.jsonl", rows)
    pairs = load_pairs(path, label_map="0=response_1,1=response_2,2=tie")
    assert pairs.id_source == "row number" and [p.id for p in pairs][:3] == ["1", "2", "3"]
    assert pairs.columns_used == {"response_1": "response 1", "response_2": "response 2"}
    assert [p.label for p in pairs][:3] == [-1, 1, 0]
    longer_wins = [(len(p.response_2) > len(p.response_1)) == (p.label == 1) for p in pairs if p.label]
    assert all(longer_wins)  # read the dataset's way: the longer response wins
    reading = pairs.label_reading
    assert reading.format == "map" and reading.meanings == {"0": "response_1", "1": "response_2", "2": "tie"}
    assert reading.examples["tie"] == ("3", "2")
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--label-map",
                                      "0=response_1,1=response_2,2=tie", "--cv", "2",
                                      "--resamples", "2", "--out", str(tmp_path / "e")])
    assert result.exit_code == 0, result.output
    assert "id 3: label 2 → tie" in result.output
    assert "columns: response_1 ← 'response 1'" in result.output
    assert "no id column: pairs are numbered by row number" in result.output
    assert "longer" in result.output  # the tree now says the annotators prefer longer responses
    summary = json.loads((tmp_path / "e" / "summary.json").read_text())
    assert summary["reading"]["label"]["examples"][0] == {"id": "1", "value": "0", "read_as": "response_1"}
    assert summary["reading"]["id_source"] == "row number"


@pytest.mark.parametrize(("spec", "values", "expected"), [
    ("A=response_1,B=response_2,tie=tie", ["A", "B", "tie"], [-1, 1, 0]),
    ("model_a=response_1,model_b=response_2,tie (bothbad)=tie,tie=tie",
     ["model_a", "tie (bothbad)", "model_b"], [-1, 0, 1]),
    ("1=response_1,2=response_2,3=tie", [1, "2", 3.0], [-1, 1, 0]),
])
def test_any_coding_people_use(tmp_path: Path, spec: str, values: list, expected: list[int]) -> None:
    rows = [{"id": str(i), "prompt": "q", "response_1": "a", "response_2": "b", "label": v}
            for i, v in enumerate(values)]
    pairs = load_pairs(write_jsonl(tmp_path / "p.jsonl", rows), label_map=spec)
    assert [p.label for p in pairs] == expected


def test_values_outside_the_map_are_listed_with_their_lines(tmp_path: Path) -> None:
    rows = [{"id": str(i), "prompt": "q", "response_1": "a", "response_2": "b", "label": v}
            for i, v in enumerate(["A", "B", "C", "A"])]
    with pytest.raises(InputError, match=r"p.jsonl:3: .*line 3: 'C'.*values not covered: 'C'"):
        load_pairs(write_jsonl(tmp_path / "p.jsonl", rows), label_map="A=response_1,B=response_2")
    with pytest.raises(ConfigError, match="MEANING one of"):
        parse_label_map("A=first")


def test_one_two_three_is_refused_too(tmp_path: Path) -> None:
    rows = [{"id": str(i), "prompt": "q", "response_1": "a", "response_2": "b", "label": v}
            for i, v in enumerate(["1", "2", "3", "1"])]
    with pytest.raises(InputError, match="--label-map 1=response_1,2=response_2,3=tie"):
        load_pairs(write_jsonl(tmp_path / "p.jsonl", rows))


@pytest.mark.parametrize(("columns", "aliases"), [
    (("response 1", "response 2"), {"response_1": "response 1", "response_2": "response 2"}),
    (("answer1", "answer2"), {"response_1": "answer1", "response_2": "answer2"}),
    (("completion_a", "completion_b"), {"response_1": "completion_a", "response_2": "completion_b"}),
    (("Response_A", "Response_B"), {"response_1": "Response_A", "response_2": "Response_B"}),
])
def test_column_aliases_of_public_datasets(tmp_path: Path, columns: tuple[str, str],
                                           aliases: dict[str, str]) -> None:
    rows = [{"question": "q", columns[0]: "a", columns[1]: "b"} for _ in range(3)]
    pairs = load_pairs(write_jsonl(tmp_path / "p.jsonl", rows))
    assert pairs.columns_used == {**aliases, "prompt": "question"} and len(pairs) == 3


def test_rows_that_cannot_form_a_pair_are_skipped_and_listed(tmp_path: Path) -> None:
    rows = [{"id": "a", "prompt": "q", "response_1": "x", "response_2": "y"},
            {"id": "b", "prompt": "q", "response_1": None, "response_2": "y"},
            {"id": "c", "prompt": "q", "response_1": True, "response_2": 1.5},
            {"id": "a", "prompt": "q", "response_1": "x", "response_2": "z"},
            {"id": "d", "prompt": {"not": "a prompt"}, "response_1": "x", "response_2": "y"}]
    path = write_jsonl(tmp_path / "p.jsonl", rows)
    pairs = load_pairs(path)
    assert [p.id for p in pairs] == ["a", "c"]
    assert (pairs["c"].response_1, pairs["c"].response_2) == ("True", "1.5")
    assert [(r.line, r.pair_id) for r in pairs.skipped] == [(2, "b"), (4, "a"), (5, "d")]
    assert "duplicate id 'a'" in pairs.skipped[1].reason
    with pytest.raises(InputError, match=r"p.jsonl:2: 'response_1' \(column 'response_1'\) is missing"):
        load_pairs(path, strict=True)
    result = CliRunner().invoke(cli, ["score", "--model", "m", "--pairs", str(path), "--strict",
                                      "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 2 and "p.jsonl:2:" in result.output
