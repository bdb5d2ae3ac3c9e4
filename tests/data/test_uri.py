"""Pairs named by a URI are read through fsspec. ``memory://`` is fsspec's real in-process
filesystem (no network here, so no s3/gs): the same ``fsspec.open`` path an s3:// URI takes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from preftree import load_pairs
from preftree.cli import cli
from preftree.data.uri import URI, as_location
from preftree.errors import InputError

fsspec = pytest.importorskip("fsspec", reason="URI input needs fsspec")

ROWS = [{"id": "007", "prompt": "q", "response_1": "short", "response_2": "a longer answer",
         "helpfulness_1": 1, "helpfulness_2": 3, "label": 1 if i % 2 else -1} for i in range(8)]


def _put(uri: str, data: bytes) -> None:
    with fsspec.open(uri, "wb") as handle:
        handle.write(data)


def test_locations_keep_the_uri_whole() -> None:
    assert str(as_location("s3://bucket/dir/pairs.jsonl.gz")) == "s3://bucket/dir/pairs.jsonl.gz"
    assert as_location("s3://bucket/dir/pairs.jsonl.gz").suffixes == [".jsonl", ".gz"]
    assert as_location("file:///tmp/x.jsonl") == Path("/tmp/x.jsonl")
    assert as_location("C://odd/name.jsonl") == Path("C://odd/name.jsonl")  # a drive, not a scheme
    assert isinstance(as_location("hf://datasets/org/name/data.parquet"), URI)


def test_memory_uri_pairs_equal_the_local_file(tmp_path: Path) -> None:
    text = "".join(json.dumps({**r, "id": f"{i:03d}"}) + "\n" for i, r in enumerate(ROWS))
    (tmp_path / "pairs.jsonl").write_text(text)
    _put("memory://bucket/pairs.jsonl.gz", gzip.compress(text.encode()))
    pd.DataFrame([{**r, "id": f"{i:03d}"} for i, r in enumerate(ROWS)]).to_parquet(tmp_path / "p.parquet")
    _put("memory://bucket/pairs.parquet", (tmp_path / "p.parquet").read_bytes())
    local = load_pairs(tmp_path / "pairs.jsonl")
    for uri in ["memory://bucket/pairs.jsonl.gz", "memory://bucket/pairs.parquet"]:
        remote = load_pairs(uri)
        assert [p.id for p in remote] == [p.id for p in local] == [f"{i:03d}" for i in range(8)]
        assert remote.source == uri and remote.labels().tolist() == local.labels().tolist()


def test_cli_reads_a_uri_and_names_it_in_errors(tmp_path: Path) -> None:
    _put("memory://bucket/bad.jsonl", b'{"id": "1", "prompt": "q", "response_1": "a", "response_2": "b"}\n{oops\n')
    result = CliRunner().invoke(cli, ["explain", "--pairs", "memory://bucket/bad.jsonl", "--out",
                                      str(tmp_path / "e"), "--quiet"])
    assert result.exit_code == 2 and "memory://bucket/bad.jsonl" in result.output and "bad.jsonl:2:" in result.output
    missing = CliRunner().invoke(cli, ["explain", "--pairs", "memory://bucket/nope.jsonl", "--out",
                                       str(tmp_path / "e"), "--quiet"])
    assert missing.exit_code == 2 and "memory://bucket/nope.jsonl: no such file" in missing.output
    _put("memory://bucket/good.jsonl", "".join(json.dumps(r | {"id": str(i)}) + "\n"
                                                for i, r in enumerate(ROWS * 5)).encode())
    ok = CliRunner().invoke(cli, ["explain", "--pairs", "memory://bucket/good.jsonl", "--cv", "2",
                                  "--resamples", "2", "--out", str(tmp_path / "e"), "--quiet"])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "e" / "summary.json").exists()
    with pytest.raises(InputError, match="no such file"):
        load_pairs("memory://bucket/absent.parquet")


@pytest.mark.parametrize("uri", ["memory://bucket/cred.jsonl?token=SECRETVALUE1",
                                 "memory://AKIAKEY:SECRETVALUE1@bucket/cred.jsonl"])
def test_credentials_in_a_uri_are_never_written_or_printed(tmp_path: Path, uri: str) -> None:
    _put(uri, "".join(json.dumps(r | {"id": str(i)}) + "\n" for i, r in enumerate(ROWS * 5)).encode())
    ok = CliRunner().invoke(cli, ["explain", "--pairs", uri, "--cv", "2", "--resamples", "2",
                                  "--out", str(tmp_path / "e")])
    assert ok.exit_code == 0, ok.output
    assert "SECRETVALUE1" not in ok.output and "***" in ok.output
    for path in (tmp_path / "e").rglob("*"):
        if path.is_file():
            assert "SECRETVALUE1" not in path.read_text(errors="replace"), path
    bad = CliRunner().invoke(cli, ["explain", "--pairs", uri.replace("cred", "absent"), "--out",
                                   str(tmp_path / "f")])
    assert bad.exit_code == 2 and "SECRETVALUE1" not in bad.output and "no such file" in bad.output


def test_an_unreachable_server_is_exit_1_and_hides_the_password(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["explain", "--pairs",
                                      "http://user:hunter2pass@127.0.0.1:9/pairs.jsonl",
                                      "--out", str(tmp_path / "e")])
    assert result.exit_code in (1, 2) and "hunter2pass" not in result.output, result.output
    if "needs another package" not in result.output:  # aiohttp present: a real connection refused
        assert result.exit_code == 1 and "cannot be reached" in result.output
