"""JSONL read column-wise by Arrow gives exactly the table the record-by-record reader gives
(values, dtypes, line numbers), on the shipped and shared data and on files built to differ; a
file Arrow would read otherwise goes the record-by-record way."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from preftree.data.columnar import read_jsonl_columnar
from preftree.data.files import Table, read_jsonl_records, read_table

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "preftree" / "examples" / "demo_pairs.jsonl"


def _columnar(path: Path, compression: str | None) -> Table | None:
    from preftree.data import files

    frame = read_jsonl_columnar(path, compression, files.MAX_RECORD_BYTES)
    return None if frame is None else Table(frame, list(range(1, len(frame) + 1)), path, "line")


def _same(path: Path, compression: str | None = None) -> None:
    fast = _columnar(path, compression)
    slow = read_jsonl_records(path, compression)
    assert fast is not None, path
    pd.testing.assert_frame_equal(fast.frame, slow.frame, check_dtype=True)
    assert fast.lines == slow.lines and fast.bad_rows == slow.bad_rows == []


def test_the_shipped_and_shared_files_read_the_same(shared_data: Path) -> None:
    _same(EXAMPLES)
    for name in ("llmbar/pairs.jsonl", "llmbar/rewardbench_llmbar.jsonl", "judgebench/pairs.jsonl",
                 "judgebench/reward_models/Skywork-Reward-Gemma-2-27B.jsonl"):
        if (shared_data / name).exists():
            _same(shared_data / name)


def test_values_where_the_readers_could_differ(tmp_path: Path) -> None:
    rows = [{"id": 7, "prompt": "p", "response_1": "a\u00e9\u65e5 \U0001f600", "response_2": "", "label": 1.5,
             "flag": True, "none": None, "x": -0.0, "big": 2 ** 62},
            {"id": 8, "prompt": "q\\n", "response_1": "=SUM(1)", "response_2": "NaN", "label": None, "flag": None,
             "none": None, "x": 1e300, "big": -(2 ** 62)}]
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n")
    _same(path)
    gz = tmp_path / "p.jsonl.gz"  # compressed: streamed record by record, within its expansion bound
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert _columnar(gz, ".gz") is None
    pd.testing.assert_frame_equal(read_table(gz).frame, read_table(path).frame)
    long_line = tmp_path / "long.jsonl"  # a line longer than Arrow's block
    long_line.write_text(json.dumps({"id": "1", "t": "x" * (9 << 20)}) + "\n")
    _same(long_line)


def test_a_line_past_the_record_limit_is_named_by_the_record_reader(tmp_path: Path, monkeypatch) -> None:
    from preftree.data import files
    from preftree.errors import InputError

    monkeypatch.setattr(files, "MAX_RECORD_BYTES", 1 << 20)
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"id": "0"}) + "\n" + json.dumps({"id": "1", "t": "x" * (2 << 20)}) + "\n")
    assert _columnar(path, None) is None
    with pytest.raises(InputError, match=r"long.jsonl:2: a record is longer than 1,048,576 bytes"):
        read_table(path)


@pytest.mark.parametrize("text", [
    '{"id": 99999999999999999999, "a": 1}\n',  # past 64 bits: Arrow would make it a float
    '{"id": "1", "a": "2024-01-01"}\n',  # Arrow would read a timestamp
    '{"id": "1", "a": [1, 2]}\n',  # nested
    '{"id": 1}\n{"id": "x"}\n',  # a column that changes type
    '{"id": 1}\n\n{"id": 2}\n',  # a blank line: row 2 is line 3
    '\ufeff{"id": 1}\n',  # a byte-order mark
    '{"id": "\\ud800"}\n',  # a lone surrogate
    '{"id": 1, "id": 2}\n',  # a key twice
    '[1, 2]\n',  # not an object
])
def test_files_arrow_reads_otherwise_go_record_by_record(tmp_path: Path, text: str) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(text, encoding="utf-8")
    assert _columnar(path, None) is None
    if "\\ud800" not in text:
        table = read_table(path)  # the record-by-record reader answers, with its lines
        assert table.bad_rows or table.lines[-1] == text.rstrip("\n").count("\n") + 1


def test_invalid_utf8_is_named_at_its_line(tmp_path: Path) -> None:
    from preftree.errors import InputError

    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"id": "a"}\n{"id": "caf\xe9"}\n')
    assert _columnar(path, None) is None
    with pytest.raises(InputError, match="bad.jsonl:2: not valid UTF-8"):
        read_table(path)
