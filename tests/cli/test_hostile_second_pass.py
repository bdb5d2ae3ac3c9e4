"""Cases a hostile pass over the first fixes of issues 18 and 19 found; each failed before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from preftree import load_pairs
from preftree._redact import redact, scrub_secret
from preftree.cli import cli
from preftree.data.label_column import read_labels
from preftree.errors import ConfigError, InputError

from ..conftest import write_jsonl


def _rows(n: int = 40, **extra: object) -> list[dict]:
    return [{"id": f"p{i}", "prompt": "q", "response_1": "a" * (i % 7 + 1),
             "response_2": "b" * (i % 5 + 1), "label": 1 if (i % 5) > (i % 7) else -1, **extra}
            for i in range(n)]


def test_the_refusal_names_the_values_present() -> None:
    with pytest.raises(InputError, match="holds the values 0, 2,"):
        read_labels([0, 2, 2, 0])


def test_a_map_and_a_format_together_are_refused() -> None:
    with pytest.raises(ConfigError, match="both state the coding"):
        read_labels([0, 1], "autoj", label_map="0=response_1,1=response_2")


def test_an_empty_label_column_says_so() -> None:
    with pytest.raises(InputError, match="is empty"):
        read_labels([None, float("nan")])


def test_missing_values_of_a_by_column_are_their_own_group(tmp_path: Path) -> None:
    rows = _rows(60)
    for i, row in enumerate(rows):
        row["task"] = None if i % 2 else "nan"
    path = write_jsonl(tmp_path / "p.jsonl", rows)
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--by", "task", "--cv", "2",
                                      "--resamples", "2", "--permutations", "20", "--min-group", "5",
                                      "--out", str(tmp_path / "e")])
    assert result.exit_code == 0, result.output
    groups = {g["group"] for g in json.loads((tmp_path / "e" / "summary.json").read_text())["groups"]}
    assert groups == {"(missing)", "nan"}


def test_a_single_group_says_there_is_nothing_to_compare(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", _rows(40, task="only"))
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--by", "task", "--cv", "2",
                                      "--resamples", "2", "--min-group", "5", "--out", str(tmp_path / "e")])
    assert result.exit_code == 0 and "nothing to compare across groups" in result.output


def test_file_uris_with_a_host_or_credentials_are_refused_without_echoing_them(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["explain", "--pairs",
                                      "file://alice:hunter2pass@elsewhere/tmp/pairs.jsonl",
                                      "--out", str(tmp_path / "e")])
    assert result.exit_code == 2 and "hunter2pass" not in result.output
    assert "use file:///PATH" in result.output


def test_fragments_and_the_separator_after_a_redacted_value() -> None:
    assert redact("memory://b/p.jsonl#token=abc") == "memory://b/p.jsonl#token=***"
    assert redact("s3://b/k?X-Amz-Signature=f00: no such file") == "s3://b/k?X-Amz-Signature=***: no such file"


def test_an_echo_in_another_case_is_scrubbed() -> None:
    assert "BCDEFGHIJ" not in scrub_secret("SK-ABCDEFGHIJKL", "sk-abcdefghijkl")


@pytest.mark.parametrize("name", ["kappa.csv", "agreement_counts.csv", "x" * 300, "日本語モデル"])
def test_judge_names_that_clash_with_outputs_or_the_file_system(tmp_path: Path, name: str) -> None:
    rows = _rows(40)
    path = write_jsonl(tmp_path / "p.jsonl", rows)
    judge = write_jsonl(tmp_path / "j.jsonl", [{"index": r["id"], "model": name,
                                                "preference": r["label"]} for r in rows])
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--judge", str(judge),
                                      "--explain-label", "--cv", "2", "--resamples", "2",
                                      "--out", str(tmp_path / "e"), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "e" / "summary.json").read_text())
    folder = next(j["folder"] for j in summary["judges"] if j["judge"] == name)
    assert (tmp_path / "e" / folder / "summary.json").is_file() and len(folder) <= 80
    if name == "日本語モデル":
        assert folder == name


def test_a_null_response_reads_as_missing(tmp_path: Path) -> None:
    rows = [{"id": "a", "prompt": "q", "response_1": None, "response_2": "x"}, *_rows(3)]
    pairs = load_pairs(write_jsonl(tmp_path / "p.jsonl", rows), label_format="signed")
    assert pairs.skipped[0].reason == "'response_1' (column 'response_1') is missing"
