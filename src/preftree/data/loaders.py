"""Loading pairs from files (preftree's columns or a native layout) into the shared data model."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, InputError
from .files import Table, read_table
from .formats import PAIRS_FORMATS, detect_pairs_format, to_preftree
from .labels import read_labels
from .model import Pair, PairSet

__all__ = ["PAIR_ALIASES", "load_pairs", "mapping_values", "pairs_from_table"]

PAIR_COLUMNS = ("id", "prompt", "response_1", "response_2")
PAIR_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("pair_id", "index", "question_id"),
    "prompt": ("question", "instruction", "input"),
    "response_1": ("response_A", "response_a", "output_1"),
    "response_2": ("response_B", "response_b", "output_2"),
}
"""Column names used for the canonical ones when the canonical column is absent (JudgeBench,
AlpacaEval, LLMBar). An explicit ``--map`` always wins."""


def _resolve_columns(columns: Sequence[str], mapping: Mapping[str, str], required: Sequence[str],
                     aliases: Mapping[str, Sequence[str]], path: Path) -> dict[str, str]:
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
            found = [a for a in aliases.get(canonical, ()) if a in columns]
            if len(found) == 1:
                resolved[canonical] = found[0]
    missing = [c for c in required if c not in resolved]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(map(repr, missing))}; expected {', '.join(required)} "
            f"(or map them with --map {missing[0]}=COLUMN); found {', '.join(map(repr, columns))}",
            path=path)
    return resolved


def _check_prompt(value: Any, table: Table, position: int) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list) and value and all(
            isinstance(m, Mapping) and isinstance(m.get("role"), str)
            and isinstance(m.get("content"), str) for m in value):
        return [{"role": m["role"], "content": m["content"]} for m in value]
    raise table.error(position, "'prompt' must be a string or a list of {role, content} "
                      f"messages, found {type(value).__name__}")


def _clean_metadata(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def pairs_from_table(table: Table, *, mapping: Mapping[str, str] | None = None,
                     label_column: str | None = None, label_format: str = "auto",
                     label_name: str = "label", name: str | None = None,
                     use_labels: bool = True) -> PairSet:
    """Build a :class:`PairSet` from a read table (see :func:`load_pairs`)."""
    mapping = dict(mapping or {})
    frame = table.frame
    columns = [str(c) for c in frame.columns]
    if label_column is None and "label" in mapping:
        label_column = mapping["label"]
    resolved = _resolve_columns(columns, mapping, PAIR_COLUMNS, PAIR_ALIASES, table.path)
    if label_column is None and "label" in columns and use_labels:
        label_column = "label"
    if not use_labels:
        label_column = None  # a command that uses no label keeps the column as metadata
    if label_column is not None and label_column not in columns:
        raise InputError(f"label column {label_column!r} not found; found "
                         f"{', '.join(map(repr, columns))}", path=table.path)
    labels: list[int | None] = [None] * len(frame)
    weights: list[float | None] = [None] * len(frame)
    used_format = None
    if label_column is not None:
        parsed = read_labels(frame[label_column].tolist(), label_format, source=str(table.path),
                             column=label_column, lines=table.lines)
        labels, weights, used_format = parsed.preferences, parsed.weights, parsed.format
    used = set(resolved.values()) | ({label_column} if label_column else set())
    extra = [c for c in columns if c not in used]
    pairs: list[Pair] = []
    seen: dict[str, int] = {}
    records = frame.to_dict("records")
    for position, record in enumerate(records):
        raw_id = record[resolved["id"]]
        if raw_id is None or (isinstance(raw_id, float) and math.isnan(raw_id)):
            raise table.error(position, "empty 'id'")
        pair_id = str(raw_id.item() if isinstance(raw_id, np.generic) else raw_id)
        if pair_id in seen:
            raise table.error(position, f"duplicate id {pair_id!r} (first at "
                                        f"{table.row_word} {table.lines[seen[pair_id]]})")
        seen[pair_id] = position
        prompt = _check_prompt(record[resolved["prompt"]], table, position)
        responses = []
        for key in ("response_1", "response_2"):
            text = record[resolved[key]]
            if not isinstance(text, str):
                raise table.error(position, f"{key!r} (column {resolved[key]!r}) must be a "
                                            f"string, found {text!r:.60}")
            responses.append(text)
        metadata = {c: _clean_metadata(record[c]) for c in extra}
        pairs.append(Pair(pair_id, prompt, responses[0], responses[1], labels[position], metadata,
                          weights[position] or 1.0))
    if not pairs:
        raise InputError("no pairs in file", path=table.path)
    return PairSet(pairs, name=name or table.path.stem, label_name=label_name,
                   source=str(table.path), label_format=used_format)


def load_pairs(path: str | Path, *, mapping: Mapping[str, str] | None = None,
               label_column: str | None = None, label_format: str = "auto",
               label_name: str = "label", use_labels: bool = True, pairs_format: str = "auto",
               seed: int = 0) -> PairSet:
    """Load pairs from JSONL / JSON / CSV / Parquet.

    Columns ``id, prompt, response_1, response_2`` (or aliases, or ``mapping``); a ``label`` column
    (or ``label_column``) becomes the gold/human preference, its format auto-detected unless named.
    Every other column is kept as metadata (e.g. rating columns ``helpfulness_1``).
    ``use_labels=False`` (commands that use no label: score, judge, compare) reads no label at all.
    ``pairs_format`` names a native layout (:data:`preftree.data.formats.PAIRS_FORMATS`: AlpacaEval,
    RewardBench-style chosen/rejected, HH-RLHF, JudgeBench, PandaLM, arena, MT-Bench); ``auto``
    recognises it from the columns when only one fits. ``seed`` places chosen responses first or
    second reproducibly.
    """
    table = read_table(path, text_columns=mapping_values(mapping))
    columns = [str(c) for c in table.frame.columns]
    if pairs_format == "auto":
        try:
            _resolve_columns(columns, dict(mapping or {}), PAIR_COLUMNS, PAIR_ALIASES, table.path)
            fits = True
        except InputError:
            fits = False
        first = table.frame.iloc[0].to_dict() if len(table.frame) else {}
        pairs_format = "preftree" if mapping else detect_pairs_format(columns, first,
                                                                      preftree_fits=fits)
    elif pairs_format != "preftree" and pairs_format not in PAIRS_FORMATS:
        raise ConfigError(f"unknown pairs format {pairs_format!r}; known: preftree, "
                          f"{', '.join(PAIRS_FORMATS)}")
    if pairs_format != "preftree":
        table = to_preftree(table, pairs_format, seed)
        native = PAIRS_FORMATS[pairs_format].label_format
        if label_format == "auto" and native and label_column is None:
            label_format = native
    pairs = pairs_from_table(table, mapping=mapping, label_column=label_column,
                             label_format=label_format, label_name=label_name, use_labels=use_labels)
    pairs.pairs_format = pairs_format
    return pairs


def mapping_values(mapping: Mapping[str, str] | None) -> tuple[str, ...]:
    """Columns named by ``--map`` for id/prompt/responses: read as text, never as numbers."""
    return tuple(v for k, v in (mapping or {}).items() if k in PAIR_COLUMNS)
