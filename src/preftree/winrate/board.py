"""A win-rate leaderboard: the rows of ``preftree winrate`` files, with published AlpacaEval
figures (its leaderboard CSV: the model in the first column, ``win_rate``,
``length_controlled_winrate``) beside them and each local row's difference to its published
numbers. Ranked by LC win rate where there is one, else by win rate."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = ["is_winrate_file", "load_published_winrates", "winrate_board"]

COLUMNS = ["model", "source", "baseline", "n", "win_rate", "lc_win_rate", "sc_rating", "rank_shift", "note"]


def is_winrate_file(path: str | Path) -> bool:
    """Whether ``path`` is a ``preftree winrate`` output (its JSON, or the CSV beside one): a JSON
    object whose ``kind`` says so, however it is formatted."""
    from .document import KIND, json_path

    path = Path(path)
    target = json_path(path) if path.suffix.lower() == ".csv" else path
    if not target.is_file() or target.suffix.lower() != ".json" or target.stat().st_size > 256 << 20:
        return False
    try:
        document = json.loads(target.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(document, dict) and document.get("kind") == KIND


def load_published_winrates(path: str | Path) -> pd.DataFrame:
    """AlpacaEval's leaderboard CSV: model names in the first column (or ``name``/``model``); a
    local file only."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file (published win rates are a local CSV)", path=path)
    try:
        frame = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"not a CSV ({str(exc)[:200]})", path=path) from None
    name = next((c for c in ("model", "name") if c in frame.columns), frame.columns[0])
    missing = [c for c in ("win_rate", "length_controlled_winrate") if c not in frame.columns]
    if missing:
        raise InputError(f"published win rates need columns {missing} (AlpacaEval's leaderboard CSV); "
                         f"found {list(frame.columns)}", path=path)
    return pd.DataFrame({"model": frame[name].astype(str), "source": f"published: {Path(path).name}",
                         "win_rate": pd.to_numeric(frame["win_rate"], errors="coerce"),
                         "lc_win_rate": pd.to_numeric(frame["length_controlled_winrate"], errors="coerce")})


def winrate_board(documents: Sequence[tuple[Path, dict[str, Any]]], published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Local rows (one per model per file) and published ones, ranked, with Δ vs published."""
    local = [{**{k: row.get(k) for k in COLUMNS}, "source": f"local: {path}", "baseline": document["baseline"]}
             for path, document in documents for row in document["models"]]
    board = pd.DataFrame(local, columns=COLUMNS)
    if published is not None and len(published):
        figures = published.drop_duplicates("model").set_index("model")
        board["Δ win rate vs published"] = board["win_rate"] - board["model"].map(figures["win_rate"])
        board["Δ LC vs published"] = board["lc_win_rate"] - board["model"].map(figures["lc_win_rate"])
        board = pd.concat([board, published.reindex(columns=COLUMNS)], ignore_index=True)
    controlled = board["lc_win_rate"].notna().any() or any(d.get("length_control") for _, d in documents)
    key = "lc_win_rate" if controlled else "win_rate"
    board = board.sort_values(key, ascending=False, kind="stable", na_position="last")
    ranked = board[key].notna().to_numpy()  # a row whose figure is not identified gets no rank
    board.insert(0, "rank", pd.Series([i + 1 if ok else None for i, ok in enumerate(ranked)],
                                      index=board.index, dtype=object))
    for column in ("n", "rank_shift"):  # counts, not measurements: no ".0", blank when unknown
        board[column] = pd.Series([None if pd.isna(v) else int(v) for v in board[column]],
                                  index=board.index, dtype=object)
    return board.reset_index(drop=True)
