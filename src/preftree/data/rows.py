"""The rules a file's row meets to form a pair, shared by every pairs reader (the row reader of
:mod:`.loaders` and the streaming column reader of :mod:`.stream`): which columns are the id,
prompt and responses, what counts as text, and why a row is skipped."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = ["PAIR_ALIASES", "PAIR_COLUMNS", "pair_fields", "record_values"]

PAIR_COLUMNS = ("id", "prompt", "response_1", "response_2")
PAIR_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("pair_id", "index", "question_id", "idx", "uid"),
    "prompt": ("question", "instruction", "input", "query"),
    "response_1": ("response_A", "response_a", "output_1", "response1", "answer1", "answer_1",
                   "answer_a", "completion_a", "completion_1", "output_a"),
    "response_2": ("response_B", "response_b", "output_2", "response2", "answer2", "answer_2",
                   "answer_b", "completion_b", "completion_2", "output_b"),
}
"""Column names used for the canonical ones when the canonical column is absent (JudgeBench,
AlpacaEval, LLMBar, Auto-J, ...). Matching ignores case, spaces, hyphens and underscores
(``Response 1`` is ``response_1``). An explicit ``--map`` always wins."""


def _squash(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def _resolve_columns(columns: Sequence[str], mapping: Mapping[str, str], required: Sequence[str],
                     aliases: Mapping[str, Sequence[str]], path: PurePath,
                     optional: Sequence[str] = ()) -> dict[str, str]:
    resolved: dict[str, str] = {}
    for canonical in required:
        if canonical in mapping:
            source = mapping[canonical]
            if source not in columns:
                raise InputError(f"--map names column {source!r} for {canonical!r}, but the file "
                                 f"has only {', '.join(map(repr, columns))}", path=path)
            resolved[canonical] = source
        elif canonical in columns:
            resolved[canonical] = canonical
        else:
            wanted = {_squash(a) for a in (canonical, *aliases.get(canonical, ()))}
            found = [c for c in columns if _squash(c) in wanted and c not in resolved.values()]
            if len(found) == 1:
                resolved[canonical] = found[0]
    missing = [c for c in required if c not in resolved and c not in optional]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(map(repr, missing))}; expected {', '.join(required)} "
            f"(or map them with --map {missing[0]}=COLUMN); found {', '.join(map(repr, columns))}",
            path=path)
    return resolved


def _as_text(value: Any) -> str | None:
    """A text field as text: strings as they are; JSON scalars as their text (``true`` →
    ``"True"``, ``1.5`` → ``"1.5"``: a model that answered "True" is still an answer); None for a
    missing value or a structure."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(value)
    return None


def _check_prompt(value: Any) -> Any:
    """The prompt as text or a list of {role, content} messages; InputError otherwise."""
    text = _as_text(value)
    if text is not None:
        return text
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list) and value and all(
            isinstance(m, Mapping) and isinstance(m.get("role"), str)
            and isinstance(m.get("content"), str) for m in value):
        return [{"role": m["role"], "content": m["content"]} for m in value]
    raise InputError("'prompt' must be a string or a list of {role, content} messages, found "
                     f"{type(value).__name__}")


def _clean_metadata(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


_ELEMENT = re.compile(r"^(?P<column>.+)\[(?P<index>-?[0-9]{1,6})\]$")


def pair_fields(record: Mapping[str, Any], resolved: Mapping[str, str], position: int,
                seen: Mapping[str, int], first_at: Callable[[int], str]) -> tuple[str, Any, str, str]:
    """A row's id, prompt and two responses by the rules every pairs reader shares, or an
    :class:`InputError` saying why the row cannot form a pair (``seen``: ids taken, by row;
    ``first_at`` words where a row is)."""
    pair_id = _row_id(record, resolved, position)
    if pair_id in seen:
        raise InputError(f"duplicate id {pair_id!r} (first at {first_at(seen[pair_id])})")
    prompt = _check_prompt(record[resolved["prompt"]])
    responses = []
    for key in ("response_1", "response_2"):
        value = record[resolved[key]]
        text = _as_text(value)
        if text is None:
            missing = value is None or (isinstance(value, float) and math.isnan(value))
            raise InputError(f"{key!r} (column {resolved[key]!r}) is missing" if missing
                             else f"{key!r} (column {resolved[key]!r}) must be text, found {value!r:.60}")
        responses.append(text)
    return pair_id, prompt, responses[0], responses[1]


def _row_id(record: Mapping[str, Any], resolved: Mapping[str, str], position: int) -> str:
    if "id" not in resolved:
        return str(position + 1)  # no id column: stable ids from row numbers
    raw_id = record[resolved["id"]]
    if raw_id is None or (isinstance(raw_id, float) and math.isnan(raw_id)) or raw_id == "":
        raise InputError("empty 'id'")
    return str(raw_id.item() if isinstance(raw_id, np.generic) else raw_id)


def _plain_id(record: Mapping[str, Any], resolved: Mapping[str, str]) -> str | None:
    value = record.get(resolved.get("id", "")) if "id" in resolved else None
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def record_values(frame: Any) -> dict[Any, list[Any]]:
    """Each column's values as ``frame.to_dict("records")`` holds them, a list per column (names
    distinct): a column of numbers, booleans or text by ``tolist`` (numpy scalars inside objects
    made Python's, as ``to_dict`` does), any other kind boxed by ``to_dict`` itself."""
    out: dict[Any, list[Any]] = {}
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        if isinstance(column.dtype, np.dtype) or str(column.dtype) == "str":
            values = column.tolist()
            if column.dtype == object:
                values = [v.item() if isinstance(v, np.generic) else v for v in values]
        else:
            values = [row["v"] for row in column.to_frame("v").to_dict("records")]
        out[name] = values
    return out
