"""The RM-Bench leaderboard: local results (``preftree rewardbench --benchmark rm-bench``) beside
RM-Bench's published rows, and beside the same models' RewardBench 1 and 2 scores when their
results are given too.

Published rows are read from the file RM-Bench publishes them in: the ``README.md`` of
THU-KEG/RM-Bench-Leaderboard (its Markdown table, model names as links, ``-`` for a figure not
reported), or a CSV with the same columns. They are marked ``published: …`` (not run here)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .leaderboard import model_key, published_path

__all__ = ["RM_BENCH_COLUMNS", "build_rm_bench_board", "load_rm_bench_published", "rm_bench_rows"]

RM_BENCH_COLUMNS = ["Overall", "Chat", "Math", "Code", "Safety", "Easy", "Normal", "Hard"]
"""The published leaderboard's figure columns (percentages), as it names them."""
_RESULT_FIELDS = {"Overall": "total_avg_acc", "Easy": "easy_acc", "Normal": "normal_acc", "Hard": "hard_acc"}
PUBLISHED_LIMIT = 8 << 20
_LINK = re.compile(r"^\[(?P<name>[^\]]*)\]\((?P<url>[^)]*)\)$")


_PIPE = re.compile(r"(?<!\\)\|")
_SEPARATOR = re.compile(r"^:?-{3,}:?$")


def _cells(line: str) -> list[str]:
    """A Markdown table row's cells; ``\\|`` is a pipe inside a cell (GitHub's escape)."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [cell.strip().replace("\\|", "|") for cell in _PIPE.split(inner)]


def _markdown_table(text: str, path: PurePath) -> tuple[list[str], list[list[str]], list[int]]:
    """The first Markdown table whose header names ``Model Name`` and ``Overall``."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        header = _cells(line) if line.lstrip().startswith("|") else []
        if "Model Name" in header and "Overall" in header:
            twice = sorted({c for c in header if header.count(c) > 1})
            if twice:
                raise InputError(f"the table names the column {twice[0]!r} twice; which is meant?", path=path,
                                 line=number + 1)
            rule = _cells(lines[number + 1]) if number + 1 < len(lines) else []
            if len(rule) != len(header) or not all(_SEPARATOR.match(c) for c in rule):
                raise InputError("expected the table's --- line under its header", path=path, line=number + 2)
            rows, where = [], []
            for offset, row in enumerate(lines[number + 2:], start=number + 3):  # past the --- line
                if not row.lstrip().startswith("|"):
                    break
                cells = _cells(row)
                if len(cells) != len(header):
                    raise InputError(f"a table row has {len(cells)} cells, the header {len(header)}",
                                     path=path, line=offset)
                if not _link_text(cells[header.index("Model Name")]).strip():
                    raise InputError("a row without a model name", path=path, line=offset)
                rows.append(cells)
                where.append(offset)
            if not rows:
                raise InputError("the leaderboard table has no rows", path=path, line=number + 1)
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

    path = published_path(source)
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
    values = figures[RM_BENCH_COLUMNS].to_numpy(dtype=float)
    if (values[~np.isnan(values)] <= 1.0).all():
        raise InputError("every figure is at most 1: shares rather than percentages? RM-Bench's leaderboard "
                         "gives percentages (70.1); give the figures as percentages", path=path)
    kinds = figures["Model Type"] if "Model Type" in figures.columns else figures.get("model_type", "")
    out = figures.assign(model_type=kinds, source=f"published: {path.name}")
    return out[["model", "model_type", "source", *RM_BENCH_COLUMNS]].reset_index(drop=True)


def share(value: Any) -> float | None:
    """A share from 0 to 1 as a float, else None (text, bool, NaN, inf, an integer too large for a float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) and 0 <= number <= 1 else None


def _number(data: dict[str, Any], name: str, path: Path) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    number = share(value)
    if number is None:
        raise InputError(f"{name!r} is {str(value)[:40]!r}; RM-Bench accuracies are shares from 0 to 1", path=path)
    return round(100.0 * number, 4)  # percentages as the board shows them; the file keeps every digit


def check_rm_bench_document(data: dict[str, Any], path: Path) -> None:
    """A results file's figures agree with each other: each domain's accuracies with its matrix,
    its average with them, the overall figures with the domains (a hand-edited file is refused)."""
    domains = data.get("domains")
    if not isinstance(domains, dict) or not domains:
        raise InputError("an RM-Bench results file needs 'domains' (per domain its matrix and accuracies)", path=path)
    averages: list[float] = []
    parts: dict[str, list[float]] = {k: [] for k in ("hard_acc", "normal_acc", "easy_acc")}
    for domain, figures in domains.items():
        if domain not in ("chat", "math", "code", "safety") or not isinstance(figures, dict):
            raise InputError(f"domain {str(domain)[:40]!r}: RM-Bench's domains are chat, math, code, safety, each "
                             "an object", path=path)
        matrix = figures.get("matrix")
        cells = [share(v) for row in matrix for v in row] if isinstance(matrix, list) and len(matrix) == 3 and \
            all(isinstance(r, list) and len(r) == 3 for r in matrix) else [None]
        if any(c is None for c in cells):
            raise InputError(f"domain {domain}: 'matrix' must be 3×3 shares from 0 to 1", path=path)
        from .rmbench import difficulty_accuracies

        expected = difficulty_accuracies(np.array(cells, dtype=float).reshape(3, 3))
        for name, value in expected.items():
            given = share(figures.get(name))
            if given is None or abs(given - value) > 1e-6:
                raise InputError(f"domain {domain}: {name} is {str(figures.get(name))[:40]}, its matrix gives "
                                 f"{value:.6f}; the file's figures disagree", path=path)
        averages.append(expected["average"])
        for name in parts:
            parts[name].append(expected[name])
    overall = {"total_avg_acc": float(np.mean(averages)), **{k: float(np.mean(v)) for k, v in parts.items()}}
    for name, value in overall.items():
        given = share(data.get(name))
        if given is None or abs(given - value) > 1e-6:
            raise InputError(f"{name} is {str(data.get(name))[:40]}, the domains give {value:.6f}; the file's "
                             "figures disagree", path=path)


def rm_bench_rows(documents: Iterable[tuple[Path, dict[str, Any]]]) -> pd.DataFrame:
    """One board row per RM-Bench results document (percentages)."""
    rows = []
    for path, data in documents:
        if "model" not in data:
            raise InputError("a results file needs 'model'", path=path)
        check_rm_bench_document(data, path)
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
        missing = [d for d in ("chat", "math", "code", "safety") if d not in data["domains"]]
        row["note"] = f"partial (without {', '.join(missing)}): not ranked" if missing else ""
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
    published_overall = {model_key(m): float(s) for frame in published for m, s in zip(frame["model"], frame["Overall"])
                         if pd.notna(s)}
    partial = board["note"].str.startswith("partial")  # a run without some domain: its Overall is another mean
    board["Δ vs published"] = [round(float(s) - published_overall[model_key(m)], 4)
                               if src == "local" and not part and model_key(m) in published_overall and pd.notna(s)
                               else None
                               for m, src, s, part in zip(board["model"], board["source"], board["Overall"], partial)]
    for version, column in ((1, "RewardBench"), (2, "RewardBench 2")):
        scores = (rewardbench or {}).get(version) or {}
        if scores:
            board[column] = [scores.get(model_key(m)) if src == "local" else None
                             for m, src in zip(board["model"], board["source"])]
    board = board.assign(_partial=partial).sort_values(["_partial", "Overall"], ascending=[True, False], kind="stable",
                                                       na_position="last").drop(columns="_partial")
    ranked = int((~partial).sum())
    board.insert(0, "rank", pd.array([*range(1, ranked + 1), *([None] * (len(board) - ranked))], dtype="Int64"))
    return board.reset_index(drop=True)


def split_documents(paths: Iterable[str | Path]) -> tuple[list[tuple[Path, dict[str, Any]]], dict[int, list[Path]]]:
    """Results files (or folders of them) split into RM-Bench documents and RewardBench files
    by version."""
    from .leaderboard import results_documents

    documents: list[tuple[Path, dict[str, Any]]] = []
    others: dict[int, list[Path]] = {1: [], 2: []}
    seen: set[Path] = set()
    for _, file, data in results_documents(paths):
        if file.resolve() in seen:
            raise InputError("is given twice (also through a folder or a link); give each results file once", path=file)
        seen.add(file.resolve())
        if data.get("benchmark") == "rm-bench":
            documents.append((file, data))
        elif data.get("rewardbench_version") in (1, 2):
            others[int(data["rewardbench_version"])].append(file)
        else:
            raise InputError("neither an RM-Bench nor a RewardBench results file", path=file)
    return documents, others
