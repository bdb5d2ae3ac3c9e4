"""Text from the data is data (issue 28, items 15, 16, 18, 19, 20): no formula or control character
reaches a CSV, no escape sequence or bidi override reaches the terminal, nothing is dropped or
merged unsaid, and a minimal battles file reads."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from click.testing import CliRunner

from preftree.cli import cli

from ..conftest import write_jsonl

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "bell\x07\x1b[31m",
           "rtl\u202eexe.txt"]


def _battles(path: Path, names: list[str], n: int = 40, seed: int = 0, *, self_rows: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n):
        a, b = rng.choice(len(names), 2, replace=False)
        rows.append({"model_a": names[a], "model_b": names[b], "winner": "model_a" if rng.random() < 0.6 else "model_b",
                     "conversation_a": [{"role": "user", "content": f"q{k}"}, {"role": "assistant", "content": "x" * int(rng.integers(5, 80))}],
                     "conversation_b": [{"role": "user", "content": f"q{k}"}, {"role": "assistant", "content": "y" * int(rng.integers(5, 80))}]})
    rows += [{**rows[0], "model_b": rows[0]["model_a"]} for _ in range(self_rows)]
    return write_jsonl(path, rows)


def test_no_formula_or_control_character_reaches_a_csv_or_the_terminal(tmp_path: Path) -> None:
    battles = _battles(tmp_path / "b.jsonl", ["base", *HOSTILE], n=200)
    out = tmp_path / "w.csv"
    result = CliRunner().invoke(cli, ["winrate", str(battles), "--baseline", "base", "--resamples", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
    for text in (out.read_text(), CliRunner().invoke(cli, ["leaderboard", "--results", str(out.with_suffix(".json")),
                                                            "--published", "none", "--format", "csv"]).output):
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        cells = [c for c in [*table.columns, *table.to_numpy().ravel()] if isinstance(c, str) and c]
        assert not any(c[:1] in "=+@" for c in cells), cells
        assert not any(c.startswith("-") and not c.lstrip("-").replace(".", "").replace("e", "").isdigit()
                       for c in cells), cells
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    # a judge file with such ids round-trips: the quote preftree adds is removed when it reads it
    pairs = write_jsonl(tmp_path / "p.jsonl", [{"id": name, "prompt": "q", "response_1": "a" * (i + 1),
                                                "response_2": "b" * (10 - i)} for i, name in enumerate(HOSTILE[:4] * 5)
                                               if True][:4])
    from preftree.data import load_judges, load_pairs
    from preftree.data.files import write_table

    judge = tmp_path / "j.csv"
    write_table(pd.DataFrame({"index": HOSTILE[:4], "preference": [1, -1, 1, -1]}), judge)
    assert judge.read_text().count("'") >= 4
    read = load_judges([judge], pairs=load_pairs(pairs))[0]
    assert sorted(read.ids) == sorted(HOSTILE[:4])


def _by_rows(values: list[Any]) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    rows = []
    for i, value in enumerate(values):
        a, b = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        b += a == b
        rows.append({"id": f"p{i}", "prompt": "q", "response_1": "w " * a, "response_2": "w " * b,
                     "label": 1 if b > a else -1, "g": value})
    return rows


def test_by_values_are_data_and_never_merged(tmp_path: Path) -> None:
    values = (["\x1b]0;pwned\x07", "\ncross-validated accuracy: 99.9 %", "(missing)", None, 1, "1"] * 30)
    pairs = write_jsonl(tmp_path / "p.jsonl", _by_rows(values))
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(pairs), "--by", "g", "--features", "style",
                                      "--resamples", "5", "--permutations", "20", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert not any(line.strip() == "cross-validated accuracy: 99.9 %" for line in result.output.splitlines())
    groups = {g["group"]: g["n"] for g in json.loads((tmp_path / "o" / "summary.json").read_text())["groups"]}
    assert groups["(missing) (text)"] == 30 and groups["(missing) (no value)"] == 30
    assert groups["1 (number)"] == 30 and groups["1 (text)"] == 30


def test_self_comparisons_are_listed_and_a_minimal_battles_file_reads(tmp_path: Path) -> None:
    battles = _battles(tmp_path / "b.jsonl", ["base", "m1", "m2"], n=60, self_rows=10)
    out = tmp_path / "w.csv"
    result = CliRunner().invoke(cli, ["winrate", str(battles), "--baseline", "base", "--resamples", "0", "--quiet",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output  # model_a, model_b, winner, conversation_a/b and nothing else
    document = json.loads(out.with_suffix(".json").read_text())
    assert document["n_comparisons"] + document["skipped"]["n"] == 70
    assert sum("compared with itself" in r["why"] for r in document["skipped"]["rows"]) == 10
    forced = CliRunner().invoke(cli, ["winrate", str(battles), "--input-format", "arena", "--baseline", "base",
                                      "--resamples", "0", "--quiet", "--out", str(tmp_path / "f.csv")])
    assert forced.exit_code == 0, forced.output


def test_a_users_own_csv_reads_as_it_is(tmp_path: Path) -> None:
    """Hostile pass: the quote preftree adds is removed only from files preftree wrote (its sealed
    manifest says so); a user's cell "'=q1" or "'-' is the minus sign" stays exactly that."""
    from preftree.data.files import read_table

    path = tmp_path / "pairs.csv"
    pd.DataFrame({"id": ["'=q1"], "prompt": ["'+' is the plus sign"], "response_1": ["'-' is the minus sign"],
                  "response_2": ["x"]}).to_csv(path, index=False)
    frame = read_table(path).frame
    assert frame.at[0, "id"] == "'=q1" and frame.at[0, "prompt"] == "'+' is the plus sign"
    assert frame.at[0, "response_1"] == "'-' is the minus sign"


def test_ids_that_look_like_formulas_survive_explain_and_report(tmp_path: Path) -> None:
    """Two judges (one sub-folder each): leaves.csv in a sub-folder is preftree's too (the folder's
    manifest records it), so its quoted ids read back as they were."""
    rows = [{"id": f"={i}+1" if i % 2 else f"-x{i}", "prompt": "q", "response_1": "a" * (i % 7 + 1),
             "response_2": "b" * (i % 5 + 1), "label": 1 if i % 5 > i % 7 else -1} for i in range(60)]
    pairs = write_jsonl(tmp_path / "p.jsonl", rows)
    judge = tmp_path / "j.csv"
    from preftree.data.files import write_table

    write_table(pd.DataFrame({"index": [r["id"] for r in rows], "preference": [r["label"] for r in rows]}), judge)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(pairs), "--judge", str(judge), "--explain-label",
                                      "--features", "style", "--resamples", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    from preftree.data.files import read_table

    leaves = read_table(next(out.glob("*/leaves.csv"))).frame
    assert set(leaves["id"]) <= {r["id"] for r in rows}
    assert CliRunner().invoke(cli, ["report", str(out), "--out", str(tmp_path / "r.html")]).exit_code == 0
