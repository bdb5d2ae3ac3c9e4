"""The streaming column reader (``load_pairs(..., keep_texts=False)``) gives the pairs the row
reader gives: ids, labels and their reading, skipped rows and reasons, metadata values, style
features, ``strict`` errors, on the shipped and shared data and on files made of awkward rows,
read in many small chunks so every row crosses a chunk edge somewhere."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from preftree.cli.demo import example_path
from preftree.data import files as files_module
from preftree.data import load_pairs, stream
from preftree.data.columns import ColumnPairSet
from preftree.errors import InputError
from preftree.features.sources import StyleSource


@pytest.fixture(params=["one chunk", "small chunks", "small chunks and sample"])
def chunking(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param != "one chunk":
        monkeypatch.setattr(files_module, "_CHUNK", 97)  # bytes per read: lines cut across reads
        monkeypatch.setattr(stream, "CHUNK_ROWS", 3)
    if request.param == "small chunks and sample":  # the sample ends inside a chunk; later ones add none
        monkeypatch.setattr(stream, "TEXT_SAMPLE_CHARS", 40)
    return str(request.param)


def _same(path: Path, **options: Any) -> ColumnPairSet:
    rows = load_pairs(path, **options)
    columns = load_pairs(path, keep_texts=False, features=("style",), **options)
    assert isinstance(columns, ColumnPairSet)
    assert columns.ids == rows.ids
    assert columns.labels().equals(rows.labels())
    assert columns.reading_notes() == rows.reading_notes()
    assert columns.reading_record() == rows.reading_record()
    assert (columns.label_format, columns.id_source, columns.name) == (rows.label_format, rows.id_source, rows.name)
    assert columns.metadata_columns() == rows.metadata_columns()
    for name in rows.metadata_columns():
        assert repr(list(columns.metadata_column(name))) == repr(list(rows.metadata_column(name))), name
    for mine, theirs in zip(StyleSource().values(columns), StyleSource().values(rows.subset(rows.ids))):
        assert mine.equals(theirs)
    assert columns.as_judgments().preferences().equals(rows.as_judgments().preferences())
    assert columns.as_judgments().weights().equals(rows.as_judgments().weights())
    for pair_id in columns.ids:
        if columns.has_text(pair_id):
            assert repr(columns[pair_id]) == repr(rows[pair_id])  # repr: NaN metadata equal
    return columns


AWKWARD: list[Any] = [
    {"id": "a", "prompt": "q", "response_1": "# T\n- x", "response_2": "**b** text", "label": 1, "model": "m1"},
    "a string, not an object",
    {"id": "b", "prompt": "q", "response_1": 1.5, "response_2": "two words", "label": -1, "model": "m2"},
    {"id": "c", "prompt": [{"role": "user", "content": "hi"}], "response_1": "x", "response_2": "y\r\nz", "label": 0},
    {"id": "a", "prompt": "q", "response_1": "dup", "response_2": "dup", "label": 1},
    {"id": "", "prompt": "q", "response_1": "x", "response_2": "y", "label": 1},
    {"id": "e", "prompt": "q", "response_2": "no first response", "label": 1},
    {"id": "f", "prompt": None, "response_1": "x", "response_2": "y", "label": -1, "score": 3},
    {"id": "g", "prompt": "q", "response_1": True, "response_2": [1, 2], "label": 1},
    {"id": "h", "prompt": "q", "response_1": "```py\n# code\n```", "response_2": "\u2028x", "label": 1, "score": 2.5},
    {"id": "i", "prompt": "q", "response_1": "x", "response_2": "y", "label": None},
]


def _write(path: Path, rows: list[Any], *, blank_lines: bool = False, crlf: bool = False) -> Path:
    end = "\r\n" if crlf else "\n"
    text = "".join(json.dumps(r) + end + ("  \n\n" if blank_lines else "") for r in rows)
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_example(chunking: str) -> None:
    _same(Path(example_path("demo_pairs.jsonl")), label_name="human")


def test_shared_llmbar(shared_data: Path, chunking: str) -> None:
    _same(shared_data / "llmbar" / "pairs.jsonl")


@pytest.mark.parametrize("layout", ["plain", "blank lines and CRLF"])
def test_awkward_rows_are_read_and_skipped_alike(tmp_path: Path, chunking: str, layout: str) -> None:
    path = _write(tmp_path / "awkward.jsonl", AWKWARD, blank_lines=layout != "plain", crlf=layout != "plain")
    pairs = _same(path)
    reasons = {row.pair_id: row.reason for row in pairs.skipped}
    assert "duplicate id 'a'" in reasons["a"] and "missing" in reasons["e"]
    assert pairs.ids == ["a", "b", "c", "h", "i"]
    assert pairs.skipped[0].reason.startswith("expected a JSON object")


def test_strict_refuses_at_the_same_line(tmp_path: Path, chunking: str) -> None:
    path = _write(tmp_path / "awkward.jsonl", [r for r in AWKWARD if isinstance(r, dict)])
    errors = []
    for keep in (True, False):
        with pytest.raises(InputError) as caught:
            load_pairs(path, strict=True, keep_texts=keep, features=("style",))
        errors.append(str(caught.value))
    assert errors[0] == errors[1] and ":4:" in errors[0]


def test_ids_numbers_and_a_missing_id_convert_as_the_row_reader_does(tmp_path: Path, chunking: str) -> None:
    rows = [{"id": i, "prompt": "q", "response_1": "a", "response_2": "b b", "label": 1 if i % 2 else -1}
            for i in range(1, 7)]
    rows.insert(3, {"prompt": "q", "response_1": "a", "response_2": "b", "label": 1})
    pairs = _same(_write(tmp_path / "ids.jsonl", rows))
    assert pairs.ids[0] == "1.0"  # pandas made the column float; both readers keep its reading


def test_late_columns_and_nan_literals(tmp_path: Path, chunking: str) -> None:
    rows = [json.dumps({"id": f"p{i}", "prompt": "q", "response_1": "a " * i, "response_2": "b", "label": 1 - 2 * (i % 2)})
            for i in range(8)]
    rows[5] = rows[5][:-1] + ', "extra": NaN, "model": "late"}'  # json.loads reads NaN; the strict decoder does not
    path = tmp_path / "late.jsonl"
    path.write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")  # a byte-order mark too
    pairs = _same(path)
    assert pairs.metadata_columns() == ["extra", "model"]


def test_gzip_and_no_id_column(tmp_path: Path, chunking: str) -> None:
    rows = [{"prompt": "q", "response_1": "a" * i, "response_2": "b - c\n- d", "label": 2 if i % 3 else 1}
            for i in range(10)]
    path = tmp_path / "pairs.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(r) + "\n" for r in rows))
    assert _same(path).id_source == "row number"


def test_a_label_column_that_appears_late_is_left_to_the_row_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files_module, "_CHUNK", 64)
    monkeypatch.setattr(stream, "CHUNK_ROWS", 2)
    rows = [{"id": str(i), "prompt": "q", "response_1": "a", "response_2": "b"} for i in range(6)]
    rows[4]["label"] = "A>B"
    path = _write(tmp_path / "late_label.jsonl", rows)
    assert stream.read_pair_columns(path) is None
    _same(path)  # read as a table, then held as columns


def test_other_layouts_and_formats_are_left_to_the_row_reader(tmp_path: Path) -> None:
    chosen = _write(tmp_path / "rb.jsonl", [{"prompt": "q", "chosen": "a", "rejected": "b"}])
    assert stream.read_pair_columns(chosen) is None
    csv = tmp_path / "p.csv"
    csv.write_text("id,prompt,response_1,response_2\n1,q,a,b\n", encoding="utf-8")
    assert stream.read_pair_columns(csv) is None


def test_texts_past_the_sample_are_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "TEXT_SAMPLE_CHARS", 30)
    rows = [{"id": str(i), "prompt": "question", "response_1": "answer", "response_2": "reply", "label": 1 - 2 * (i % 2)}
            for i in range(5)]
    pairs = load_pairs(_write(tmp_path / "p.jsonl", rows), keep_texts=False, features=("style",))
    assert [pairs.has_text(i) for i in pairs.ids] == [True, False, False, False, False]
    assert pairs["0"].response_2 == "reply"
    with pytest.raises(InputError, match="not kept"):
        pairs["1"]
    with pytest.raises(InputError, match="not kept"):
        list(pairs)
    assert len(pairs) == 5 and pairs.labels().tolist() == [1, -1, 1, -1, 1]


@pytest.mark.parametrize("options", [{"mapping": {"response_1": "answer", "response_2": "answer"}},
                                     {"mapping": {"prompt": "answer"}, "label_column": "answer"},
                                     {"mapping": {"prompt": "id"}}])
def test_one_column_read_as_two_things_is_left_to_the_row_reader(tmp_path: Path, options: dict[str, Any]) -> None:
    path = _write(tmp_path / "same.jsonl", [{"id": "1", "prompt": "q", "response_1": "a", "response_2": "b",
                                             "answer": "x"}])
    assert stream.read_pair_columns(path, **options) is None
    _same(path, mapping={"id": "answer"})  # another id column: the file's "id" is then metadata


def test_rows_before_any_column_are_left_to_the_row_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files_module, "_CHUNK", 16)
    monkeypatch.setattr(stream, "CHUNK_ROWS", 1)
    path = _write(tmp_path / "empty_first.jsonl", [{}, {"id": "1", "prompt": "q", "response_1": "a", "response_2": "b"}])
    assert stream.read_pair_columns(path) is None


def test_explain_on_a_file_past_the_sample_quotes_only_kept_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from preftree.cli import cli

    monkeypatch.setattr(stream, "TEXT_SAMPLE_CHARS", 400)
    rows = [{"id": f"p{i}", "prompt": "q", "response_1": f"r1 {i} " + "w " * (i % 9),
             "response_2": f"r2 {i} " + "w " * (i % 5), "label": 1 if i % 9 < i % 5 else -1,
             "rater": "A>B" if i % 2 else "B>A"} for i in range(200)]
    path = _write(tmp_path / "pairs.jsonl", rows)
    out = tmp_path / "out"
    done = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--features", "style", "--judge-column", "rater",
                                    "--resamples", "3", "--cv", "2", "--out", str(out), "--quiet"])
    assert done.exit_code == 0, done.output
    examples = [json.loads(line) for line in (out / "examples.jsonl").read_text().splitlines()]
    by_id = {r["id"]: r for r in rows}
    assert examples and all(e["response_1"] == by_id[e["id"]]["response_1"] for e in examples)
    assert {e["id"] for e in examples} <= {f"p{i}" for i in range(20)}  # within the 400-character sample


def test_judge_columns_read_pair_by_pair_where_rows_differ() -> None:
    from preftree.data import judges_from_columns
    from preftree.data.model import Pair, PairSet

    pairs = PairSet([Pair("a", "q", "x", "y"), *(Pair(str(i), "q", "x", "y", metadata={"rater": 1 if i % 2 else -1})
                                                 for i in range(5))])
    (rater,) = judges_from_columns(pairs, ["rater"])
    assert rater.ids == ["0", "1", "2", "3", "4"] and rater.preferences().tolist() == [-1, 1, -1, 1, -1]


def test_a_scores_folder_is_bounded_as_a_whole_and_never_an_output(tmp_path: Path) -> None:
    import pandas as pd

    import preftree
    from preftree._inputs import input_limit
    from preftree.features.sources import ScoresSource

    rows = [{"id": f"p{i}", "prompt": "q", "response_1": "a " * i, "response_2": "b", "label": 1 - 2 * (i % 2)}
            for i in range(40)]
    pairs = load_pairs(_write(tmp_path / "pairs.jsonl", rows))
    folder = tmp_path / "scores"
    folder.mkdir()
    for shard in range(3):
        part = rows[shard::3]
        pd.DataFrame({"id": [r["id"] for r in part], "x_1": [1.0] * len(part),
                      "x_2": [float(len(r["response_1"])) for r in part]}).to_parquet(folder / f"{shard}.parquet")
    first, second = ScoresSource(folder).values(pairs)
    assert list(first.index) == pairs.ids and second["x"].tolist()[:3] == [0.0, 2.0, 4.0]
    single = pd.read_parquet(folder / "0.parquet").memory_usage(deep=True, index=False).sum()
    with input_limit(int(single * 2)), pytest.raises(InputError, match="max-input-bytes"):
        ScoresSource(folder).values(pairs)
    with pytest.raises(InputError, match="input"):
        preftree.explain(pairs, features=[f"scores:{folder}"], out=folder, force=True)
