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
    """Refused with --strict at their line; by default such rows are skipped and listed."""
    with pytest.raises(InputError, match=r"d\.jsonl:2: duplicate id 'a' \(first at line 1\)"):
        load_pairs(write_jsonl(tmp_path / "d.jsonl", [PAIR, PAIR]), strict=True)
    assert [r.line for r in load_pairs(tmp_path / "d.jsonl").skipped] == [2]
    with pytest.raises(InputError, match=r"n\.jsonl:1: 'response_2'"):
        load_pairs(write_jsonl(tmp_path / "n.jsonl", [{**PAIR, "response_2": None}]), strict=True)
    with pytest.raises(InputError, match=r"n\.jsonl: no pairs in file \(every row was skipped: 'response_2'"):
        load_pairs(tmp_path / "n.jsonl")


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


def test_a_compressed_bomb_is_refused_with_bounded_memory(tmp_path):
    """100 MB of zeros in a few hundred bytes of bz2: refused at the limit, not read whole."""
    import bz2
    import tracemalloc

    from preftree.data.files import input_limit

    bomb = tmp_path / "bomb.jsonl.bz2"
    compressor = bz2.BZ2Compressor()
    chunks = [compressor.compress(b'{"id": "1", "prompt": "' + b"0" * (1 << 20) + b'"}\n')
              for _ in range(100)]
    bomb.write_bytes(b"".join(chunks) + compressor.flush())
    assert bomb.stat().st_size < 20_000
    tracemalloc.start()
    with input_limit(10 * 1024 ** 2), pytest.raises(InputError, match="larger than 10,485,760 bytes"):
        load_pairs(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40 * 1024 ** 2


def test_a_record_over_the_record_limit_is_refused_at_its_line(tmp_path, monkeypatch):
    import gzip

    import preftree.data.files as files

    monkeypatch.setattr(files, "MAX_RECORD_BYTES", 1 << 20)
    path = tmp_path / "one-line.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"id": "a"}\n' + b"x" * (3 << 20)))
    with pytest.raises(InputError, match=r"one-line.jsonl.gz:2: a record is longer than 1,048,576"):
        load_pairs(path)


def test_max_input_bytes_from_the_cli(tmp_path):
    from click.testing import CliRunner

    from preftree.cli import cli

    path = tmp_path / "p.jsonl"
    path.write_text("".join(f'{{"id": "{i}", "prompt": "q", "response_1": "a", "response_2": "b",'
                            f' "label": {1 if i % 2 else -1}}}\n' for i in range(50)))
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--max-input-bytes", "100",
                                      "--out", str(tmp_path / "e")])
    assert result.exit_code == 2 and "larger than 100 bytes" in result.output
    assert "--max-input-bytes" in result.output


def test_a_compressed_file_may_expand_only_so_far_by_default(tmp_path):
    """100 MB of newlines in about 100 KB of gzip: more than 200 times its size (and 64 MiB), so
    refused without --max-input-bytes, with memory that stays small; given explicitly, the
    stated limit applies."""
    import gzip
    import tracemalloc

    from preftree.data.files import input_limit

    bomb = tmp_path / "newlines.jsonl.gz"
    bomb.write_bytes(gzip.compress(b"\n" * (100 << 20), compresslevel=9))
    assert bomb.stat().st_size < 200_000
    tracemalloc.start()
    with pytest.raises(InputError, match="larger than 67,108,864 bytes once decompressed"):
        load_pairs(bomb)
    assert tracemalloc.get_traced_memory()[1] < 40 * 1024 ** 2
    tracemalloc.stop()
    with input_limit(200 << 20), pytest.raises(InputError, match="missing column"):
        load_pairs(bomb)  # stated: read to the end (blank lines only)


def test_rows_that_are_not_objects_are_skipped(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "a", "prompt": "q", "response_1": "x", "response_2": "y"}\n[1, 2, 3]\n'
                    'null\n"hello"\n{"id": "b", "prompt": "q", "response_1": "x", "response_2": "z"}\n')
    pairs = load_pairs(path)
    assert [p.id for p in pairs] == ["a", "b"]
    assert [(r.line, r.reason) for r in pairs.skipped] == [
        (2, "expected a JSON object, found list"), (3, "expected a JSON object, found NoneType"),
        (4, "expected a JSON object, found str")]
    with pytest.raises(InputError, match=r"p.jsonl:2: expected a JSON object"):
        load_pairs(path, strict=True)


@pytest.mark.filterwarnings("ignore:DataFrame columns are not unique")
def test_table_records_are_to_dict_records() -> None:
    """Rows built column by column equal pandas' own, also where a column is odd."""
    import numpy as np
    import pandas as pd

    from preftree.data.files import Table

    frames = [pd.DataFrame({"id": ["a", None], "n": [1, None], "b": [True, None], "o": [np.int64(1), "x"]}),
              pd.DataFrame([[1, 2]], columns=["a", "a"]), pd.DataFrame(index=range(3)),
              pd.DataFrame({"i": pd.array([1, None], dtype="Int64"), "s": pd.array(["x", None], dtype="string")})]
    for frame in frames:
        got = Table(frame, list(range(len(frame))), Path("x"), "line").records()
        expected = frame.to_dict("records")
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            assert list(a) == list(b)
            for key in a:
                same = (a[key] is b[key]) or a[key] == b[key] or (a[key] != a[key] and b[key] != b[key])
                assert same and type(a[key]) is type(b[key]), (a, b)
