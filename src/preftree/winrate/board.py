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
    from .._folders import check_whole
    from .._inputs import read_input_text
    from .document import JSON_LIMIT, KIND, json_path

    path = Path(path)
    target = json_path(path) if path.suffix.lower() == ".csv" else path
    if target.suffix.lower() != ".json" or not target.is_file():
        return False
    check_whole(target.parent)
    try:
        document = json.loads(read_input_text(target, limit=JSON_LIMIT, what="winrate.json"))
    except (InputError, ValueError, RecursionError):
        return False
    return isinstance(document, dict) and document.get("kind") == KIND


def load_published_winrates(path: str | Path) -> pd.DataFrame:
    """AlpacaEval's leaderboard CSV: model names in the first column (or ``name``/``model``); a
    local file only."""
    from .._inputs import published_percentages
    from ..data.files import read_table

    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise InputError("published win rates are a local CSV (AlpacaEval's leaderboard CSV)", path=path)
    table = read_table(path, text_columns=("name",))
    frame = table.frame
    name = next((c for c in ("model", "name") if c in frame.columns), frame.columns[0])
    missing = [c for c in ("win_rate", "length_controlled_winrate") if c not in frame.columns]
    if missing:
        raise InputError(f"published win rates need columns {missing} (AlpacaEval's leaderboard CSV); "
                         f"found {list(frame.columns)}", path=path)
    frame = published_percentages(table, ["win_rate", "length_controlled_winrate"], key=name)
    return pd.DataFrame({"model": frame[name].astype(str), "source": f"published: {Path(path).name}",
                         "win_rate": frame["win_rate"], "lc_win_rate": frame["length_controlled_winrate"]})


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
    local = board["source"].str.startswith("local:")
    unknown = local & board[key].isna() & (board["n"].fillna(0) > 0)  # rated, but the figure is not identified
    if unknown.any():  # where some rows have no figure, no row's place among them is known
        board.insert(0, "rank", pd.Series([None] * len(board), index=board.index, dtype=object))
        board.attrs["note"] = (f"no ranks: {int(unknown.sum())} local model(s) have no identified "
                               f"{'LC win rate' if controlled else 'win rate'} (see their note)")
    else:
        ranked = board[key].notna().to_numpy()
        board.insert(0, "rank", pd.Series([i + 1 if ok else None for i, ok in enumerate(ranked)],
                                          index=board.index, dtype=object))
    for column in ("n", "rank_shift"):  # counts, not measurements: no ".0", blank when unknown
        board[column] = pd.Series([None if pd.isna(v) else int(v) for v in board[column]],
                                  index=board.index, dtype=object)
    return board.reset_index(drop=True)
