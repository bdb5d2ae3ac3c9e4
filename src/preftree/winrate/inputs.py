"""Comparisons between models, from the files people have: AlpacaEval annotations and
Arena-style battles. One row per comparison: ``model_a`` against ``model_b``, ``outcome`` = P(a
beats b) in [0, 1] (soft preferences kept as such), the instruction, and both texts when known.

Layouts (detected from the content, or named with ``fmt``):

- ``alpacaeval``: ``annotations.json`` (a JSON list) per model, with ``instruction``,
  ``output_1``/``generator_1`` (the baseline), ``output_2``/``generator_2`` (the model) and
  ``preference`` in [1, 2] (1 = output_1 better, 2 = output_2 better, 1.5 a tie; the weighted
  annotator's values in between are probabilities). ``a`` is the model, ``b`` the baseline.
  ``preference`` 0 is a draw too: AlpacaEval's own scoring code says so ("0 or 1.5 for draw",
  ``metrics/winrate.py``), for its older annotators.
- ``arena``: ``model_a``, ``model_b``, ``winner`` in Arena's codings (``model_a``, ``model_b``,
  ``tie``, ``tie (bothbad)``), texts from ``conversation_a``/``conversation_b`` or
  ``response_a``/``response_b`` when present.

A row that cannot be read (a null preference, an unknown winner) is skipped and counted. An
AlpacaEval annotation read twice (the same model, baseline and instruction: the published results
hold a folder nested in itself, ``results/vicuna-13b-v1.5/weighted_alpaca_eval_gpt4_turbo/
weighted_alpaca_eval_gpt4_turbo/``) is kept once and the copy reported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..data.files import read_table
from ..errors import InputError

__all__ = ["Comparisons", "read_comparisons"]

COLUMNS = ["model_a", "model_b", "outcome", "instruction", "text_a", "text_b", "source"]
ARENA_WINNERS = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5, "tie (bothbad)": 0.5}


@dataclass
class Comparisons:
    """The comparisons read, the layout of each file, and the rows skipped (file, row, why)."""

    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    skipped: list[tuple[str, int, str]] = field(default_factory=list)


def _files(paths: Sequence[str | Path]) -> list[Path]:
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".json", ".jsonl", ".csv", ".parquet")
                            and not p.name.startswith("."))
        elif path.exists():
            found.append(path)
        else:
            raise InputError("not found", path=path)
    if not found:
        raise InputError(f"no annotation or battle files in {', '.join(map(str, paths))}")
    return found


def _text(value: Any) -> str | None:
    """A response's text: a string, or the assistant turns of a conversation."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        turns = [m.get("content", "") for m in value if isinstance(m, dict) and m.get("role") == "assistant"]
        return "\n".join(str(t) for t in turns) if turns else None
    return None


def _alpacaeval(records: list[Any], path: Path, skipped: list[tuple[str, int, str]],
                seen: dict[tuple[str, str, str], str]) -> list[dict[str, Any]]:
    rows = []
    for i, record in enumerate(records, start=1):
        preference = record.get("preference") if isinstance(record, dict) else None
        if preference == 0 and not isinstance(preference, bool):
            preference = 1.5  # AlpacaEval's coding of a draw (see the module's docstring)
        if isinstance(preference, bool) or not isinstance(preference, (int, float)) or not 1 <= preference <= 2:
            skipped.append((str(path), i, f"preference {preference!r} is not a number in [1, 2]"))
            continue
        if not record.get("generator_1") or not record.get("generator_2"):
            skipped.append((str(path), i, "no generator_1 / generator_2"))
            continue
        key = (str(record["generator_2"]), str(record["generator_1"]), str(record.get("instruction", "")))
        if key in seen:
            skipped.append((str(path), i, f"the same annotation as {seen[key]} (a copy)"))
            continue
        seen[key] = f"{path} row {i}"
        rows.append({"model_a": key[0], "model_b": key[1],
                     "outcome": float(preference) - 1.0, "instruction": key[2],
                     "text_a": _text(record.get("output_2")), "text_b": _text(record.get("output_1")),
                     "source": str(path)})
    return rows


def _arena(frame: pd.DataFrame, path: Path, skipped: list[tuple[str, int, str]]) -> list[dict[str, Any]]:
    rows = []
    text_a = next((c for c in ("conversation_a", "response_a") if c in frame), None)
    text_b = next((c for c in ("conversation_b", "response_b") if c in frame), None)
    prompt = next((c for c in ("prompt", "question", "instruction", "question_id") if c in frame), None)
    for i, record in enumerate(frame.to_dict("records"), start=1):
        winner = record.get("winner")
        if winner not in ARENA_WINNERS:
            skipped.append((str(path), i, f"winner {winner!r} is none of {sorted(ARENA_WINNERS)}"))
            continue
        rows.append({"model_a": str(record["model_a"]), "model_b": str(record["model_b"]),
                     "outcome": ARENA_WINNERS[winner],
                     "instruction": str(record.get(prompt, i)) if prompt else str(i),
                     "text_a": _text(record.get(text_a)) if text_a else None,
                     "text_b": _text(record.get(text_b)) if text_b else None, "source": str(path)})
    return rows


def read_comparisons(paths: Sequence[str | Path], fmt: str = "auto") -> Comparisons:
    """Every comparison in ``paths`` (files or folders), each file's layout detected or ``fmt``."""
    skipped: list[tuple[str, int, str]] = []
    rows: list[dict[str, Any]] = []
    formats: dict[str, str] = {}
    seen: dict[tuple[str, str, str], str] = {}
    for path in _files(paths):
        if path.suffix == ".json" and fmt in ("auto", "alpacaeval"):
            try:
                records = json.loads(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise InputError(f"not JSON ({exc})", path=path) from None
            if isinstance(records, list) and records and isinstance(records[0], dict) \
                    and "preference" in records[0] and "generator_2" in records[0]:
                formats[str(path)] = "alpacaeval"
                rows += _alpacaeval(records, path, skipped, seen)
                continue
            if fmt == "alpacaeval":
                raise InputError("not AlpacaEval annotations (a JSON list with generator_1, "
                                 "generator_2, preference)", path=path)
        frame = read_table(path).frame
        if {"model_a", "model_b", "winner"} <= set(frame.columns) and fmt in ("auto", "arena"):
            formats[str(path)] = "arena"
            rows += _arena(frame, path, skipped)
            continue
        raise InputError("neither AlpacaEval annotations (generator_1, generator_2, preference) nor "
                         "Arena battles (model_a, model_b, winner); give --format", path=path)
    return Comparisons(pd.DataFrame(rows, columns=COLUMNS), formats, skipped)
