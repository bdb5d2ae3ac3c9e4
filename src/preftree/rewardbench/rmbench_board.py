"""The RM-Bench leaderboard: local results (``preftree rewardbench --benchmark rm-bench``) beside
RM-Bench's published rows, and beside the same models' RewardBench 1 and 2 scores when their
results are given too.

Published rows are read from the file RM-Bench publishes them in: the ``README.md`` of
THU-KEG/RM-Bench-Leaderboard (its Markdown table, model names as links, ``-`` for a figure not
reported), or a CSV with the same columns. They are marked ``published: …`` (not run here)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath
from typing import Any

import pandas as pd

from ..errors import InputError
from .leaderboard import _key

__all__ = ["RM_BENCH_COLUMNS", "build_rm_bench_board", "load_rm_bench_published", "rm_bench_rows"]

RM_BENCH_COLUMNS = ["Overall", "Chat", "Math", "Code", "Safety", "Easy", "Normal", "Hard"]
"""The published leaderboard's figure columns (percentages), as it names them."""
_RESULT_FIELDS = {"Overall": "total_avg_acc", "Easy": "easy_acc", "Normal": "normal_acc", "Hard": "hard_acc"}
PUBLISHED_LIMIT = 8 << 20
_LINK = re.compile(r"^\[(?P<name>[^\]]*)\]\((?P<url>[^)]*)\)$")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _markdown_table(text: str, path: PurePath) -> tuple[list[str], list[list[str]], list[int]]:
    """The first Markdown table whose header names ``Model Name`` and ``Overall``."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        header = _cells(line) if line.lstrip().startswith("|") else []
        if "Model Name" in header and "Overall" in header:
            rows, where = [], []
            for offset, row in enumerate(lines[number + 2:], start=number + 3):  # past the --- line
                if not row.lstrip().startswith("|"):
                    break
                cells = _cells(row)
                if len(cells) != len(header):
                    raise InputError(f"a table row has {len(cells)} cells, the header {len(header)}",
                                     path=path, line=offset)
                rows.append(cells)
                where.append(offset)
            return header, rows, where
    raise InputError("no RM-Bench leaderboard table (a Markdown table with 'Model Name' … 'Overall'); "
                     "expected the README.md of THU-KEG/RM-Bench-Leaderboard or a CSV", path=path)


def _link_text(cell: str) -> str:
    """A Markdown link's text (``[name](url)`` → name), else the cell."""
    match = _LINK.match(cell)
    return match.group("name") if match else cell


def load_rm_bench_published(source: str | Path) -> pd.DataFrame:
    """Published RM-Bench rows: ``model``, ``model_type``, ``source`` and :data:`RM_BENCH_COLUMNS`
    (percentages; blank where the leaderboard has ``-``)."""
    from .._inputs import published_percentages, read_input_text
    from ..data.files import Table, read_table

    path = Path(source)
    if path.suffix.lower() in (".md", ".markdown"):
        header, rows, where = _markdown_table(read_input_text(path, limit=PUBLISHED_LIMIT,
                                                              what="leaderboard page"), path)
        frame = pd.DataFrame(rows, columns=header).replace({"-": ""})
        table = Table(frame, where, path, "line")
    elif path.suffix.lower() in (".csv", ".tsv"):
        table = read_table(path)
    else:
        raise InputError("published RM-Bench rows are the leaderboard's README.md (as published) or a CSV",
                         path=path)
    frame = table.frame
    name_column = "Model Name" if "Model Name" in frame.columns else "model"
    missing = [c for c in [name_column, *RM_BENCH_COLUMNS] if c not in frame.columns]
    if missing:
        raise InputError(f"published RM-Bench rows need columns {missing}; found {list(frame.columns)[:20]}",
                         path=path)
    names = [_link_text(str(n)) for n in frame[name_column]]
    table.frame = frame.assign(model=[n.strip() for n in names])
    figures = published_percentages(table, RM_BENCH_COLUMNS, key="model")
    kinds = figures["Model Type"] if "Model Type" in figures.columns else figures.get("model_type", "")
    out = figures.assign(model_type=kinds, source=f"published: {path.name}")
    return out[["model", "model_type", "source", *RM_BENCH_COLUMNS]].reset_index(drop=True)


def _number(data: dict[str, Any], name: str, path: Path) -> float | None:
    import math

    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 <= value <= 1:
        raise InputError(f"{name!r} is {str(value)[:40]!r}; RM-Bench accuracies are shares from 0 to 1", path=path)
    return 100.0 * float(value)


def rm_bench_rows(documents: Iterable[tuple[Path, dict[str, Any]]]) -> pd.DataFrame:
    """One board row per RM-Bench results document (percentages)."""
    rows = []
    for path, data in documents:
        if "model" not in data:
            raise InputError("a results file needs 'model'", path=path)
        domains = data.get("domains") or {}
        if not isinstance(domains, dict):
            raise InputError("'domains' must be an object of domain results", path=path)
        row: dict[str, Any] = {"model": str(data.get("leaderboard_name") or data["model"]),
                               "model_type": str(data.get("model_type", "")), "source": "local"}
        for column in RM_BENCH_COLUMNS:
            field = _RESULT_FIELDS.get(column)
            domain = domains.get(column.lower())
            row[column] = _number(data, field, path) if field else \
                _number(domain if isinstance(domain, dict) else {}, "average", path)
        missing = data.get("domains_missing") or []
        row["note"] = f"without {', '.join(map(str, missing))}" if isinstance(missing, list) and missing else ""
        rows.append(row)
    return pd.DataFrame(rows, columns=["model", "model_type", "source", *RM_BENCH_COLUMNS, "note"])


def build_rm_bench_board(local: pd.DataFrame, published: Sequence[pd.DataFrame] = (),
                         rewardbench: dict[int, dict[str, float]] | None = None) -> pd.DataFrame:
    """Local and published rows ranked by Overall; each local row's difference to its published
    Overall; and, for models with local RewardBench results, their Score (v1, v2) beside."""
    frames = [f for f in [local, *published] if len(f)]
    if not frames:
        raise InputError("nothing to rank: no RM-Bench results and no published rows")
    board = pd.concat(frames, ignore_index=True)
    board["note"] = board["note"].fillna("") if "note" in board.columns else ""
    published_overall = {_key(m): float(s) for frame in published for m, s in zip(frame["model"], frame["Overall"])
                         if pd.notna(s)}
    board["Δ vs published"] = [round(float(s) - published_overall[_key(m)], 4)
                               if src == "local" and _key(m) in published_overall and pd.notna(s) else None
                               for m, src, s in zip(board["model"], board["source"], board["Overall"])]
    for version, column in ((1, "RewardBench"), (2, "RewardBench 2")):
        scores = (rewardbench or {}).get(version) or {}
        if scores:
            board[column] = [scores.get(_key(m)) if src == "local" else None
                             for m, src in zip(board["model"], board["source"])]
    board = board.sort_values("Overall", ascending=False, kind="stable", na_position="last")
    board.insert(0, "rank", range(1, len(board) + 1))
    return board.reset_index(drop=True)


def split_documents(paths: Iterable[str | Path]) -> tuple[list[tuple[Path, dict[str, Any]]], dict[int, list[Path]]]:
    """Results files (or folders of them) split into RM-Bench documents and RewardBench files
    by version."""
    from .leaderboard import results_documents

    documents: list[tuple[Path, dict[str, Any]]] = []
    others: dict[int, list[Path]] = {1: [], 2: []}
    for _, file, data in results_documents(paths):
        if data.get("benchmark") == "rm-bench":
            documents.append((file, data))
        elif data.get("rewardbench_version") in (1, 2):
            others[int(data["rewardbench_version"])].append(file)
        else:
            raise InputError("neither an RM-Bench nor a RewardBench results file", path=file)
    return documents, others
