"""The Parquet column reader gives the pairs the row reader gives (ids, labels, skipped rows,
metadata values, style features, ``strict`` errors), read in batches of a few rows so every row
crosses a batch edge somewhere; files it does not handle are left to the row reader."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from preftree import _inputs as inputs_module
from preftree._inputs import input_limit
from preftree.cli.demo import example_path
from preftree.data import load_pairs, parquet_stream
from preftree.data.columns import ColumnPairSet
from preftree.errors import InputError

from .test_stream import _same


@pytest.fixture(params=["one batch", "small batches", "small batches and sample"])
def batching(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param != "one batch":
        monkeypatch.setattr(inputs_module, "PARQUET_BATCH_ROWS", 2)  # batches of 2 rows, chunks of 3 or more
        monkeypatch.setattr(parquet_stream, "CHUNK_ROWS", 3)
    if request.param == "small batches and sample":  # the sample ends inside a batch
        monkeypatch.setattr(parquet_stream, "TEXT_SAMPLE_CHARS", 40)
    return str(request.param)


def _awkward() -> pa.Table:
    """Rows a real file can hold: missing texts and ids, a repeated and an empty id, a label
    missing, fences and other line ends, metadata of every Arrow kind with nulls."""
    return pa.table({
        "id": ["a", "b", "c", "a", "", "e", None, "g", "h", "i"],
        "prompt": ["q", "q", None, "q", "q", "q", "q", "q", "q", "q"],
        "response_1": ["# T\n- x", "**b** t", "x", "dup", "x", None, "x", "```py\n# c\n```", "a\r\nb", "x"],
        "response_2": ["**b** text", "two words", "y", "dup", "y", "y", "y", "\u2028x", "y", "\x1cz"],
        "label": pa.array([1, -1, 0, 1, 1, 1, -1, 1, None, 1], pa.int64()),
        "score": pa.array([1, None, 3, 4, 5, 6, 7, 8, 9, 10], pa.int64()),
        "flag": pa.array([True, None, False, True, True, False, True, None, True, True]),
        "tags": pa.array([["x"], [], None, ["y", "z"], ["x"], ["x"], ["x"], ["x"], ["x"], ["x"]]),
        "when": pa.array(pd.to_datetime(["2024-01-01"] * 9 + [None])),
        "model": pa.array(["m1", "m2", "m1", "m1", "m2", "m1", "m2", "m1", "m1", "m2"]).dictionary_encode(),
    })


def test_shipped_example(tmp_path: Path, batching: str) -> None:
    frame = pd.read_json(example_path("demo_pairs.jsonl"), lines=True, dtype=False)
    frame.to_parquet(tmp_path / "demo.parquet")
    _same(tmp_path / "demo.parquet", label_name="human")


def test_awkward_rows_are_read_and_skipped_alike(tmp_path: Path, batching: str) -> None:
    path = tmp_path / "awkward.parquet"
    pq.write_table(_awkward(), path)
    pairs = _same(path)
    assert pairs.skipped and {s.word for s in pairs.skipped} == {"row"}
    assert [s.where() + s.reason for s in load_pairs(path).skipped] == [s.where() + s.reason for s in pairs.skipped]


def test_pandas_index_categories_and_large_strings(tmp_path: Path, batching: str) -> None:
    frame = pa.table({"prompt": ["p"] * 6, "response_1": pa.array(["a b", "c", "d e f", "g", "h", "i"], pa.large_string()),
                      "response_2": ["x", "y y", "z", "w", "v", "u"], "label": [1, -1, 1, -1, 1, -1]}).to_pandas()
    frame.index = [f"r{i}" for i in range(6)]  # stored as __index_level_0__: both readers keep it as a metadata column
    frame["response_2"] = frame["response_2"].astype("category")  # stored as categories
    frame.to_parquet(tmp_path / "indexed.parquet")
    _same(tmp_path / "indexed.parquet")


def test_numeric_ids_and_a_missing_id(tmp_path: Path, batching: str) -> None:
    table = pa.table({"id": pa.array([1, 2, None, 4], pa.int64()), "prompt": ["q"] * 4,
                      "response_1": ["a", "b", "c", "d"], "response_2": ["e", "f", "g", "h"], "label": [1, -1, 1, -1]})
    pq.write_table(table, tmp_path / "ids.parquet")
    _same(tmp_path / "ids.parquet")


def test_strict_refuses_at_the_same_row(tmp_path: Path, batching: str) -> None:
    path = tmp_path / "awkward.parquet"
    pq.write_table(_awkward(), path)
    with pytest.raises(InputError) as rows:
        load_pairs(path, strict=True)
    with pytest.raises(InputError) as columns:
        load_pairs(path, strict=True, keep_texts=False, features=("style",))
    assert str(columns.value) == str(rows.value)


def test_compressed_and_bounded(tmp_path: Path) -> None:
    plain = tmp_path / "p.parquet"
    pq.write_table(_awkward(), plain)
    packed = tmp_path / "p.parquet.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    _same(packed)
    with input_limit(2000), pytest.raises(InputError, match="max-input-bytes"):
        load_pairs(plain, keep_texts=False, features=("style",))


def test_text_columns_that_are_not_text_are_read_as_a_table(tmp_path: Path) -> None:
    chat = pa.table({"prompt": pa.array([[{"role": "user", "content": "hi"}]] * 2),
                     "response_1": ["a", "b"], "response_2": ["c", "d"], "label": [1, -1]})
    pq.write_table(chat, tmp_path / "chat.parquet")
    numbers = pa.table({"prompt": ["q", "q"], "response_1": [1, 2], "response_2": ["c", "d"], "label": [1, -1]})
    pq.write_table(numbers, tmp_path / "numbers.parquet")
    for name in ("chat.parquet", "numbers.parquet"):
        assert parquet_stream.read_parquet_columns(tmp_path / name) is None  # not this reader's
        _same(tmp_path / name)  # the table path's, held as columns all the same


def test_explain_on_parquet_equals_explain_on_the_same_jsonl(tmp_path: Path) -> None:
    from preftree.api import explain

    rng = np.random.default_rng(0)
    words = np.array("alpha beta gamma delta **bold** - item\n".split(" "))
    rows = [{"id": f"p{i}", "prompt": "q", "response_1": " ".join(rng.choice(words, rng.integers(3, 30))),
             "response_2": " ".join(rng.choice(words, rng.integers(3, 30))), "label": int(rng.choice([-1, 1]))}
            for i in range(400)]
    frame = pd.DataFrame(rows)
    frame.to_json(tmp_path / "p.jsonl", orient="records", lines=True)
    frame.to_parquet(tmp_path / "p.parquet")
    results: list[Any] = []
    for name in ("p.jsonl", "p.parquet"):
        pairs = load_pairs(tmp_path / name, keep_texts=False, features=("style",))
        assert isinstance(pairs, ColumnPairSet)
        results.append(explain(pairs, [], ["style"]).judges[0])
    assert results[0].importances.equals(results[1].importances)
    assert results[0].leaves.equals(results[1].leaves)


def test_text_that_is_not_utf8_is_an_input_error_in_both_readers(tmp_path: Path) -> None:
    """Found by a hostile pass: a string column holding bytes that are not UTF-8 raised a
    UnicodeDecodeError (a traceback) from the column reader and an ArrowException from the row reader."""
    broken = pa.array([b"fine", b"\xff\xfe", b"ok"]).view(pa.string())
    table = pa.table({"id": ["1", "2", "3"], "prompt": ["q"] * 3, "response_1": broken,
                      "response_2": ["a", "b", "c"], "label": [1, -1, 1]})
    pq.write_table(table, tmp_path / "broken.parquet")
    for keep in (True, False):
        with pytest.raises(InputError, match="broken.parquet"):
            load_pairs(tmp_path / "broken.parquet", keep_texts=keep, features=("style",))
    for column in ("id", "model"):  # found by a second pass: an id or metadata column, on the column path
        table = pa.table({"id": ["1", "2", "3"], "prompt": ["q"] * 3, "response_1": ["a", "b", "c"],
                          "response_2": ["a", "b", "c"], "label": [1, -1, 1], "model": ["m", "n", "o"]})
        table = table.set_column(table.schema.get_field_index(column), column, broken)
        pq.write_table(table, tmp_path / f"{column}.parquet")
        for keep in (True, False):
            with pytest.raises(InputError, match="UTF8"):
                load_pairs(tmp_path / f"{column}.parquet", keep_texts=keep, features=("style",))


def test_stored_categories_stay_categories_while_few(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The row reader keeps a column stored as pandas categories categorical; a column that claims
    to be categories but holds ever more distinct values is read plain past CATEGORY_LIMIT (its
    growing dictionary was held in every batch), with the same values."""
    from preftree.data.files import read_table

    frame = pd.DataFrame({"id": [f"p{i}" for i in range(12)], "prompt": ["q"] * 12,
                          "response_1": ["a b"] * 12, "response_2": ["c"] * 12, "label": [1, -1] * 6,
                          "model": pd.Categorical(["m1", "m2", "m3"] * 4),
                          "tag": pd.Categorical([f"t{i}" for i in range(12)])})
    frame.to_parquet(tmp_path / "cats.parquet")
    assert str(read_table(tmp_path / "cats.parquet").frame["model"].dtype) == "category"
    monkeypatch.setattr(inputs_module, "PARQUET_BATCH_ROWS", 4)
    monkeypatch.setattr(inputs_module, "CATEGORY_LIMIT", 5)  # "tag" outgrows it in the second batch
    read = read_table(tmp_path / "cats.parquet").frame
    assert str(read["model"].dtype) == "category" and read["tag"].tolist() == [f"t{i}" for i in range(12)]
    _same(tmp_path / "cats.parquet")
