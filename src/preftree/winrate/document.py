"""``winrate.csv`` and ``winrate.json``: written together (each to a temp file, then renamed), read
back by ``preftree report`` and ``preftree leaderboard``, and the terminal table."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from .._markup import csv_frame, plain_line
from ..errors import InputError
from .inputs import Comparisons
from .run import WinRateResult

__all__ = [
    "KIND",
    "ORIENTATION",
    "TABLE_COLUMNS",
    "format_table",
    "format_warnings",
    "json_path",
    "load_winrate",
    "sibling_files",
    "winrate_document",
    "write_winrate",
]

KIND = "preftree-winrate"
TABLE_COLUMNS = ["model", "n", "win_rate", "win_rate_se", "discrete_win_rate", "lc_win_rate", "lc_se",
                 "length_coefficient", "rating", "rating_low", "rating_high", "rank", "sc_rating",
                 "sc_rating_low", "sc_rating_high", "sc_rank", "rank_shift", "note"]
TEXT_COLUMNS = ("model", "note")
PERCENT_COLUMNS = ("win_rate", "win_rate_se", "discrete_win_rate", "lc_win_rate", "lc_se")
SKIPPED_SHOWN = 50
JSON_LIMIT = 256 << 20
"""Largest winrate.json read (bytes)."""
ORIENTATION = ("response_1 is model_a, response_2 is model_b (against a baseline: response_1 the model, "
               "response_2 the baseline, the reverse of AlpacaEval's output_1/output_2). In the residual "
               "tree a leaf's P(response_2 better) is the weighted share of battles where response_2 did "
               "better than the style-controlled ratings predicted.")


def json_path(out: Path) -> Path:
    """``winrate.json`` beside ``winrate.csv`` (the same stem)."""
    return out.with_suffix(".json")


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and inf become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def winrate_document(result: WinRateResult, comparisons: Comparisons, *,
                     settings: dict[str, Any]) -> dict[str, Any]:
    """Everything behind the table, for the report and for people."""
    table = result.table.reindex(columns=[c for c in TABLE_COLUMNS if c in result.table.columns])
    skipped = comparisons.skipped + result.skipped
    document: dict[str, Any] = {
        "kind": KIND, "version": 1, "baseline": result.baseline, "judge": comparisons.judge, "settings": settings,
        "inputs": comparisons.formats, "n_comparisons": result.n_comparisons,
        "notes": result.notes, "warnings": result.warnings,
        "skipped": {"n": len(skipped), "rows": [{"file": f, "row": r, "why": w}
                                                for f, r, w in skipped[:SKIPPED_SHOWN]]},
        "models": table.to_dict("records"),
    }
    if result.length is not None:
        unidentified = result.length.length_unidentified
        document["length_control"] = {
            "length_coefficient": None if unidentified else result.length.length_coefficient,
            "not_identified": unidentified, "spread_chars": result.length.spread,
            "per_model": {m: phi for m, phi in result.length.model_length_coefficients.items()
                          if m not in result.length.unidentified},
            "difficulties": f"given ({settings['difficulties']})" if settings.get("difficulties") else
            "estimated from the models given" if result.difficulties else "none (δ = 0)",
            "n_instructions": result.n_instructions,
            "difficulty_values": result.difficulties}
    if result.controlled is not None:
        document["style_control"] = {"features": result.features,
                                     "coefficients": result.controlled.coefficients.to_dict("records"),
                                     "dropped_as_near_copies": result.controlled.dropped}
    if result.trees is not None:
        document["trees"] = {"features": result.tree_features, "orientation": ORIENTATION, **result.trees.to_dict()}
    return _clean(document)


def write_winrate(result: WinRateResult, comparisons: Comparisons, out: Path, *,
                  settings: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    """Write ``out`` (CSV) and the JSON beside it: both to temp files first, then renamed one
    after the other, so a failure leaves neither new file (never a new CSV beside an old JSON).
    Returns the JSON's path and the document written."""
    from .._io import atomic_paths

    document = winrate_document(result, comparisons, settings=settings)
    target = json_path(out)
    columns = [c for c in TABLE_COLUMNS if c in result.table.columns]
    with atomic_paths(target, out) as (json_scratch, csv_scratch):  # replaced together, or neither
        json_scratch.write_text(json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False), encoding="utf-8")
        csv_frame(pd.DataFrame(document["models"], columns=columns)).to_csv(csv_scratch, index=False,
                                                                            float_format="%.6g")
    return target, document


def sibling_files(path: str | Path) -> list[Path]:
    """A winrate file and its partners, the CSV and the JSON of the same stem (any suffix case,
    through links too): all are inputs of a reader, never its output."""
    path = Path(path)
    found = [path]
    for candidate in (path, path.resolve()):
        found += [candidate.with_suffix(".json"), candidate.with_suffix(".csv")]
        if candidate.parent.is_dir():
            found += [p for p in candidate.parent.iterdir()
                      if p.stem == candidate.stem and p.suffix.lower() in (".csv", ".json")]
    return list(dict.fromkeys(found))


def load_winrate(path: str | Path) -> dict[str, Any]:
    """A ``winrate.json`` (or the ``winrate.csv`` beside it), checked for its kind and columns."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        path = json_path(path)
    if not path.is_file():  # a partner written as W.JSON beside W.CSV
        path = next((p for p in sibling_files(path) if p.suffix.lower() == ".json" and p.is_file()), path)
    from .._folders import check_whole
    from .._inputs import read_input_text

    check_whole(path.parent)
    if not path.exists() and not path.is_symlink():
        raise InputError("no such file (preftree winrate writes winrate.json beside winrate.csv)", path=path)
    text = read_input_text(path, limit=JSON_LIMIT, what="winrate.json")
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not JSON as preftree writes it ({str(exc)[:200]})", path=path) from None
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise InputError(f"not a preftree winrate file (no \"kind\": \"{KIND}\")", path=path)
    models = document.get("models")
    if not isinstance(models, list) or not all(isinstance(m, dict) and isinstance(m.get("model"), str)
                                               for m in models):
        raise InputError("'models' must be a list of rows with a 'model' name", path=path)
    if not isinstance(document.get("baseline"), str):
        raise InputError("'baseline' must be a model name", path=path)
    for row in models:
        for key, value in row.items():
            if key == "note" and (value is None or isinstance(value, str)):
                continue
            if key != "model" and not _is_number(value):
                raise InputError(f"model {row['model']!r}: {key} is {str(value)[:40]!r}, not a number", path=path)
            if key in PERCENT_COLUMNS and value is not None and not 0 <= value <= 100:
                raise InputError(f"model {row['model']!r}: {key} is {value!r}, not a percentage (0 to 100)", path=path)
    warnings = document.setdefault("warnings", [])
    if not isinstance(warnings, list) or not all(
            isinstance(w, dict) and isinstance(w.get("model"), str) and isinstance(w.get("reason"), str)
            for w in warnings):
        raise InputError("'warnings' must be a list of {model, reason}", path=path)
    _check_sections(document, path)
    return document


def _refuse_constant(name: str) -> float:
    raise InputError(f"{name} is not a number preftree writes (it writes null)")


def _is_number(value: Any) -> bool:
    """null, or a finite number of a sensible size (a hostile 10**400 is refused, not rendered)."""
    if value is None:
        return True
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return abs(value) < 1e15 if isinstance(value, int) else math.isfinite(value) and abs(value) < 1e15


def _check_sections(document: dict[str, Any], path: Path) -> None:
    """The parts the report renders: coefficients (a feature name and numbers), tree texts."""
    style = document.get("style_control")
    if style is not None and not (isinstance(style, dict) and isinstance(style.get("features", []), list)
                                  and all(isinstance(f, str) for f in style.get("features", []))):
        raise InputError("'style_control.features' must be a list of feature specs", path=path)
    if style is not None:
        coefficients = style.get("coefficients") if isinstance(style, dict) else None
        if not isinstance(coefficients, list) or not all(
                isinstance(c, dict) and isinstance(c.get("feature"), str)
                and all(_is_number(c.get(k)) for k in ("coefficient", "low", "high")) for c in coefficients):
            raise InputError("'style_control.coefficients' must be rows of a feature name and numbers", path=path)
    trees = document.get("trees")
    if trees is not None and not (isinstance(trees, dict) and all(
            isinstance(trees.get(k), dict) and isinstance(trees[k].get("text"), str) for k in ("ordinary", "residual"))):
        raise InputError("'trees' must hold the ordinary and residual trees' texts", path=path)
    length = document.get("length_control")
    if length is not None and not (isinstance(length, dict) and _is_number(length.get("length_coefficient")) and (
            length.get("length_coefficient") is not None or isinstance(length.get("not_identified"), str))):
        raise InputError("'length_control.length_coefficient' must be a number (or null with 'not_identified')",
                         path=path)


def _cell(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def format_table(document: dict[str, Any], limit: int = 40) -> str:
    """The terminal table: one line per model, best LC (or raw) win rate first."""
    rows = document["models"]
    has_lc = any(r.get("lc_win_rate") is not None for r in rows)
    has_sc = any(r.get("sc_rating") is not None for r in rows)
    head = ["model", "n", "win %", "±SE"] + (["LC %", "±SE"] if has_lc else []) + \
        (["rating", "SC rating", "rank→SC"] if has_sc else [])
    lines = []
    for row in rows[:limit]:
        cells = [plain_line(row["model"]), str(row.get("n", "")), _cell(row.get("win_rate")), _cell(row.get("win_rate_se"))]
        if has_lc:
            cells += [_cell(row.get("lc_win_rate")), _cell(row.get("lc_se"))]
        if has_sc:
            shift = row.get("rank_shift")
            move = "" if shift in (None, 0) else f" ({'+' if shift > 0 else ''}{int(shift)})"
            cells += [_cell(row.get("rating"), 0), _cell(row.get("sc_rating"), 0),
                      f"{_cell(row.get('rank'), 0)}→{_cell(row.get('sc_rank'), 0)}{move}"]
        lines.append(cells)
    widths = [max(len(str(c)) for c in column) for column in zip(head, *lines)]
    text = ["  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
            for cells in [head, *lines]]
    if len(rows) > limit:
        text.append(f"... {len(rows) - limit} more models in the file")
    text.append(f"baseline: {plain_line(document['baseline'])}")
    text += format_warnings(document)
    return "\n".join(text)


def format_warnings(document: dict[str, Any], limit: int = 20) -> list[str]:
    """The figures left empty ("-" in the table) and why: terminal lines."""
    warnings = document.get("warnings") or []
    lines = [plain_line(f"warning: {w['model']}: {w['reason']}") for w in warnings[:limit]]
    if len(warnings) > limit:
        lines.append(f"... {len(warnings) - limit} more warnings in the JSON file")
    return lines
