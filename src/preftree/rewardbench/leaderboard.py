"""A leaderboard: local results merged with published figures, ranked by Score.

Rows say where they come from (``local`` or ``published: <source>``). A model run locally that is
also published appears twice, and its local row carries the difference to the published Score.
Models match on the last part of their name, case-insensitively
(``RLHFlow/Decision-Tree-Reward-Gemma-2-27B`` = ``Decision-Tree-Reward-Gemma-2-27B``).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from .sections import SECTIONS
from .v2 import V2_SUBSETS

__all__ = ["COLUMNS", "build_leaderboard", "load_published", "load_results", "render"]

COLUMNS = {1: ["Score", *SECTIONS], 2: ["Score", *V2_SUBSETS]}


def model_key(model: str) -> str:
    """The name models match on: the last part, case-insensitively."""
    return str(model).rstrip("/").rsplit("/", 1)[-1].lower()


def published_path(source: str | Path) -> Path:
    """A published-figures file: a local path (a URI is refused, its credentials masked)."""
    from ..data.uri import URI, as_location

    location = as_location(source if isinstance(source, Path) else str(source))
    if isinstance(location, URI):
        raise InputError("published figures are read from a local file; download it first", path=location)
    return location


def load_published(source: str | Path, version: int = 1) -> pd.DataFrame:
    """``seed`` (shipped with preftree: the January 2025 top 12 of the seed), or a CSV with
    ``model``, ``Score`` and the section columns (e.g. allenai's leaderboard export)."""
    if str(source) == "seed":
        if version != 1:
            raise InputError("the seed's published leaderboard is RewardBench v1")
        text = resources.files("preftree.rewardbench").joinpath("published/seed_2025-01.csv").read_text()
        from io import StringIO

        frame, name = pd.read_csv(StringIO(text)), "seed (RLHFlow, 2025-01)"
    else:
        from .._inputs import published_percentages
        from ..data.files import read_table
        path = published_path(source)
        if path.suffix.lower() not in (".csv", ".tsv"):
            raise InputError("published figures are a CSV file (e.g. allenai's leaderboard export)", path=path)
        table = read_table(path)
        frame, name = table.frame, path.name
        missing = [c for c in ["model", *COLUMNS[version]] if c not in frame.columns]
        if missing:
            raise InputError(f"published figures need columns {missing} (RewardBench v{version}); "
                             f"found {list(frame.columns)}", path=str(source))
        # RewardBench 2's Ties score can be negative (the published file has -1.0): from -100
        # names may repeat (allenai's v1 file lists one model's checkpoints under one name)
        frame = published_percentages(table, list(COLUMNS[version]), low=-100.0 if version == 2 else 0.0)
    frame = frame.copy()
    frame["source"] = f"published: {name}"
    if "model_type" not in frame.columns:
        frame["model_type"] = frame.get("method", "")
    return frame[["model", "model_type", "source", *COLUMNS[version]]]


def _result_row(data: dict[str, Any], path: Path, version: int) -> dict[str, Any]:
    if data.get("benchmark") == "rm-bench":
        raise InputError("an RM-Bench result in a RewardBench leaderboard (pass --benchmark rm-bench)", path=path)
    if data.get("rewardbench_version", 1) != version:
        stated = data.get("rewardbench_version")
        raise InputError(f"{'a RewardBench v' + str(stated) + ' result' if isinstance(stated, int) else 'a result whose rewardbench_version is ' + repr(stated)[:40]} "
                         f"in a v{version} leaderboard (pass --benchmark-version)", path=path)
    if "model" not in data:
        raise InputError("a results file needs 'model'", path=path)
    row: dict[str, Any] = {"model": data.get("leaderboard_name") or data["model"],
                           "model_type": data.get("model_type", ""), "source": "local"}
    sections = data.get("sections") or {}
    if not isinstance(sections, dict):
        raise InputError("'sections' must be an object of section scores", path=path)
    for column in COLUMNS[version]:
        value = data.get("score") if column == "Score" else sections.get(column, data.get(column))
        if value is not None:
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10 ** 6:
                value = float("inf")  # an integer of 400 digits is no score (float() would overflow)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value):
                raise InputError(f"{column!r} is {value!r}; a score must be a finite number",
                                 path=path)
            value = 100.0 * float(value) if version == 2 and column != "Score" else float(value)
            if not 0 <= value <= 100:
                raise InputError(f"{column!r} is {value!r}; a score is a percentage from 0 to 100", path=path)
        row[column] = value
    partial = data.get("partial") or {}
    if not isinstance(partial, (dict, list)) or not all(isinstance(k, str) for k in partial):
        raise InputError(f"'partial' is {str(partial)[:40]!r}; expected an object of section → subsets "
                         "(or a list of section names)", path=path)
    row["note"] = ("partial: " + ", ".join(sorted(partial))) if partial else ""
    return row


RESULTS_LIMIT = 64 << 20
"""Largest results file read (bytes)."""


def load_results(paths: Iterable[str | Path], version: int = 1) -> pd.DataFrame:
    """Local results files (``preftree rewardbench`` JSON), or folders of them."""
    rows = []
    for given, file, data in results_documents(paths):
        if given.is_dir() and data.get("benchmark") == "rm-bench":
            continue  # a folder of results may hold RM-Bench's too: its own board ranks them
        rows.append(_result_row(data, file, version))
    return pd.DataFrame(rows, columns=["model", "model_type", "source", *COLUMNS[version], "note"])


def results_documents(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Path, dict[str, Any]]]:
    """Each results file (a folder's ``*.json``, hidden files such as the manifest left out) as
    (the path given, the file, its JSON object), read bounded."""
    from .._inputs import read_input_text

    for source in paths:
        path = Path(source)
        files = sorted(p for p in path.glob("*.json") if not p.name.startswith(".")) if path.is_dir() else [path]
        if not files:
            raise InputError("no results (*.json) in this folder", path=path)
        for file in files:
            text = read_input_text(file, limit=RESULTS_LIMIT, what="results file")
            try:
                data = json.loads(text, parse_constant=lambda name: float(name))
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON ({exc.msg})", path=file, line=exc.lineno) from None
            except RecursionError:
                raise InputError("JSON nested too deeply to be a results file", path=file) from None
            if not isinstance(data, dict):
                raise InputError("a results file is a JSON object", path=file)
            yield path, file, data


def build_leaderboard(local: pd.DataFrame, published: Sequence[pd.DataFrame] = (),
                      version: int = 1) -> pd.DataFrame:
    """Merge, add each local row's difference to its published Score, rank by Score."""
    frames = [f for f in [local, *published] if len(f)]
    if not frames:
        raise InputError("nothing to rank: no local results and no published figures")
    board = pd.concat(frames, ignore_index=True)
    if "note" not in board.columns:
        board["note"] = ""
    board["note"] = board["note"].fillna("")
    published_scores: dict[str, float] = {}
    for frame in published:
        for model, score in zip(frame["model"], frame["Score"]):
            published_scores.setdefault(model_key(model), float(score))
    delta = [float(score) - published_scores[model_key(model)]
             if source == "local" and model_key(model) in published_scores and pd.notna(score) else None
             for model, source, score in zip(board["model"], board["source"], board["Score"])]
    board["Δ vs published"] = delta
    board = board.sort_values("Score", ascending=False, kind="stable", na_position="last")
    board.insert(0, "rank", range(1, len(board) + 1))
    return board.reset_index(drop=True)


def _cell(value: Any, column: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if column.startswith("Δ"):
        return f"{float(value):+.1f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def render(board: pd.DataFrame, fmt: str, *, title: str = "RewardBench leaderboard") -> str:
    """The leaderboard as Markdown, CSV or a self-contained HTML table (every cell escaped)."""
    columns = list(board.columns)
    rows = [[_cell(v, c) for v, c in zip(record, columns)] for record in board.itertuples(index=False)]
    if fmt == "csv":
        from .._markup import csv_frame

        return str(csv_frame(board).to_csv(index=False))
    if fmt == "md":
        from .._markup import md_cell

        lines = ["| " + " | ".join(md_cell(c) for c in columns) + " |",
                 "|" + "|".join("---" for _ in columns) + "|"]
        lines += ["| " + " | ".join(md_cell(cell) for cell in row) + " |" for row in rows]
        return "\n".join(lines) + "\n"
    if fmt == "html":
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                       for row in rows)
        return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + html.escape(title) +
                "</title><style>table{border-collapse:collapse}td,th{border:1px solid #ccc;"
                "padding:2px 8px}</style></head><body><table><thead><tr>" + head +
                "</tr></thead><tbody>" + body + "</tbody></table></body></html>\n")
    raise InputError(f"unknown format {fmt!r}; use md, csv or html")
