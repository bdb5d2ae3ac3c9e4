"""Files the streaming readers leave alone (CSV, TSV, a JSON list, native layouts such as
chosen/rejected or JudgeBench) read for features alone: the table is parsed as for every command,
then held as columns with the style features measured by chunk, and the pairs equal the row
reader's (ids, labels, skipped rows, metadata, features, strict errors), read in small chunks."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from preftree.data import load_pairs, stream
from preftree.data.columns import ColumnPairSet
from preftree.errors import InputError

from .test_stream import AWKWARD, _same


@pytest.fixture(params=["one chunk", "small chunks and sample"])
def chunking(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param != "one chunk":
        from preftree.data import table_columns

        monkeypatch.setattr(table_columns, "CHUNK_ROWS", 3)
        monkeypatch.setattr(stream, "TEXT_SAMPLE_CHARS", 40)
    return str(request.param)


def _csv_rows() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["a", "b", "c", "a", "", "e", "f", "=cmd", "NA"],
        "prompt": ["q", "q", "", "q", "q", "q", "q", "q", "q"],
        "response_1": ["# T\n- x", "1.5", "x", "dup", "x", "", "```py\n# c\n```", "a\r\nb", "NA"],
        "response_2": ["**b** text", "two words", "y", "dup", "y", "y", "\u2028x", "y", "n/a"],
        "label": ["1", "-1", "0", "1", "1", "", "-1", "1", "2"],
        "score": ["3", "", "2.5", "1", "1", "1", "x", "1", "1"]})


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_csv_and_tsv(tmp_path: Path, chunking: str, suffix: str) -> None:
    path = tmp_path / f"pairs{suffix}"
    _csv_rows().to_csv(path, index=False, sep="\t" if suffix == ".tsv" else ",")
    pairs = _same(path)
    assert pairs.skipped and {s.word for s in pairs.skipped} == {"line"}


def test_json_list_of_awkward_records(tmp_path: Path, chunking: str) -> None:
    path = tmp_path / "pairs.json"
    path.write_text(json.dumps(AWKWARD), encoding="utf-8")
    pairs = _same(path)
    assert pairs.skipped[0].word == "record" and pairs.skipped[0].reason.startswith("expected a JSON object")


def test_strict_refuses_alike(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    _csv_rows().to_csv(path, index=False)
    errors = []
    for keep in (True, False):
        with pytest.raises(InputError) as caught:
            load_pairs(path, strict=True, keep_texts=keep, features=("style",))
        errors.append(str(caught.value))
    assert errors[0] == errors[1]


def test_chosen_rejected_layout_placed_by_the_seed(tmp_path: Path, chunking: str) -> None:
    rows = [{"prompt": f"q{i}", "chosen": "a " * (i + 1), "rejected": "- b\n" * (i % 3), "subset": "s"}
            for i in range(12)]
    path = tmp_path / "rb.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    pairs = _same(path, seed=3)
    assert pairs.pairs_format != "preftree"


def test_real_native_layouts(shared_data: Path, chunking: str) -> None:
    _same(shared_data / "llmbar" / "rewardbench_llmbar.jsonl", seed=0)
    judgebench = _same(shared_data / "judgebench" / "pairs.jsonl")
    assert isinstance(judgebench, ColumnPairSet)


def test_a_list_element_mapping_is_left_to_the_row_reader(tmp_path: Path) -> None:
    rows = [{"id": str(i), "prompt": "q", "answers": ["a", "b b"], "label": 1 - 2 * (i % 2)} for i in range(3)]
    path = tmp_path / "lists.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    pairs = load_pairs(path, keep_texts=False, features=("style",),
                       mapping={"response_1": "answers[0]", "response_2": "answers[1]"})
    assert not isinstance(pairs, ColumnPairSet) and pairs.ids == ["0", "1", "2"]
