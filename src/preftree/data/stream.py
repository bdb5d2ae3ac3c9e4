"""Reading a large JSONL pairs file in one pass into columns, with features computed on the way.

:func:`load_pairs` builds a table of every row and a :class:`Pair` per row: right for the files
most commands read, a minute and gigabytes for a million pairs. :func:`read_pair_columns` reads
the same file in chunks of rows: each line decoded once (:func:`~preftree.data.jsonl.json_block`),
the responses' style features computed over the chunk's texts at once
(:mod:`preftree.features.style_columns`), and the texts let go, but for a bounded sample kept for
the report's examples. What stays is ids, labels, metadata and feature columns
(:class:`~preftree.data.columns.ColumnPairSet`), and, as the row reader keeps them, the values of
text columns that are not plain strings (a prompt given as a list of chat messages).

The result equals :func:`load_pairs`' on the same file (a test compares them on the shipped and
shared data): the columns are resolved by the same rules, values that pandas would convert (a
number in a text column, an id column with a row missing) are converted as pandas does for the
whole file, every row problem is reported at its line with the same reason, and ``strict``
refuses the same files. Where the file is not one this reader handles (another layout, a
``--map`` list element, another format, columns whose reading changes partway through the file),
it returns ``None`` and the caller reads the file the usual way.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .columns import ColumnPairSet, PairColumns
from .files import _input_stream, table_location
from .jsonl import json_block
from .label_column import read_labels
from .model import SkippedRow
from .rows import _ELEMENT, PAIR_ALIASES, PAIR_COLUMNS, _plain_id, _resolve_columns, pair_fields

__all__ = ["CHUNK_ROWS", "TEXT_SAMPLE_CHARS", "read_pair_columns"]

CHUNK_ROWS = 20_000
"""Rows decoded and measured together: big enough for column work, small enough for memory."""
TEXT_SAMPLE_CHARS = 32 * 1024 ** 2
"""Characters of text kept, first pairs first, for outputs that quote pairs (the report's examples)."""
_ABSENT = float("nan")  # a key a row lacks reads as NaN, as pandas' from_records makes it
_TEXT_KEYS = ("prompt", "response_1", "response_2")


@dataclass
class _Layout:
    """The file's columns as the rules of :func:`~preftree.data.loaders.pairs_from_table` read them."""

    columns: list[str]
    resolved: dict[str, str]
    label_column: str | None


@dataclass
class _Gathered:
    """What the chunks leave: per-row values of the non-text columns, the text columns' odd
    (non-string) values, style features of string responses, and the text sample."""

    lines: list[int] = field(default_factory=list)
    values: dict[str, list[Any]] = field(default_factory=dict)  # non-text column → one value per row
    odd: dict[str, dict[int, Any]] = field(default_factory=dict)  # text column → {row: non-string value}
    has_text: set[str] = field(default_factory=set)  # text columns with a string somewhere
    features: list[tuple[int, np.ndarray, Future[dict[str, np.ndarray]]]] = field(default_factory=list)  # side, rows, values
    sample: list[tuple[Any, Any, Any]] = field(default_factory=list)
    sample_chars: int = 0
    sample_full: bool = False  # once a row did not fit, no later row joins: sample[i] is row i
    bad: list[tuple[int, str]] = field(default_factory=list)
    word: str = "line"  # what ``lines`` number: JSONL lines, Parquet rows
    skipped: list[SkippedRow] = field(default_factory=list)  # rows a layout left out before these


def _layout(columns: list[str], first: Mapping[str, Any], mapping: Mapping[str, str], label_column: str | None,
            use_labels: bool, pairs_format: str, path: Any) -> _Layout | None:
    """The columns' reading, or None where this reader leaves the file to :func:`load_pairs`."""
    from .formats import detect_pairs_format

    try:
        resolved = _resolve_columns(columns, mapping, PAIR_COLUMNS, PAIR_ALIASES, path, optional=("id",))
    except InputError:
        return None
    if pairs_format == "auto" and not mapping:
        row = {c: first.get(c, _ABSENT) for c in columns}
        try:
            if detect_pairs_format(columns, row, preftree_fits=True) != "preftree":
                return None
        except InputError:
            return None
    if label_column is None and "label" in mapping:
        label_column = mapping["label"]
    if label_column is None and "label" in columns and use_labels:
        label_column = "label"
    if not use_labels:
        label_column = None
    if label_column is not None and label_column not in columns:
        return None
    used = [*resolved.values(), *([label_column] if label_column is not None else [])]
    if len(set(used)) != len(used):  # one file column read as two things: the row reader's to handle
        return None
    return _Layout(columns, resolved, label_column)


def _chunks(blocks: Iterator[tuple[int, list[bytes]]], size: int) -> Iterator[tuple[int, list[bytes]]]:
    """Consecutive blocks of lines joined to about ``size`` lines (first line number, lines)."""
    first, lines = 1, list[bytes]()
    for number, block in blocks:
        if not lines:
            first = number
        lines += block
        if len(lines) >= size:
            yield first, lines
            lines = []
    if lines:
        yield first, lines


def read_pair_columns(path: Any, *, mapping: Mapping[str, str] | None = None, label_column: str | None = None,
                      label_format: str = "auto", label_name: str = "label", use_labels: bool = True,
                      pairs_format: str = "auto", label_map: Any = None, strict: bool = False,
                      features: Sequence[str] = ("style",), progress: bool | None = None) -> ColumnPairSet | None:
    """A JSONL pairs file (optionally compressed, local or a URI) read into columns, the style
    features computed on the way when ``features`` holds ``"style"``; ``None`` when the file is
    not one this reader handles (see the module's docstring). Arguments as :func:`load_pairs`'."""
    mapping = dict(mapping or {})
    if pairs_format not in ("auto", "preftree") or any(_ELEMENT.match(v) for v in mapping.values()):
        return None
    location, suffix, compression = table_location(path)
    if suffix != ".jsonl":
        return None
    gathered, layout, first = _Gathered(), None, None
    with _input_stream(location, compression) as bounded, _bar(location, compression, progress) as bar, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="preftree-style") as worker:
        measure = _measurer(worker) if "style" in features else None
        seen: dict[str, None] = {}
        for start, block in _chunks(bounded.blocks(), CHUNK_ROWS):
            records, lines, bad = json_block(start, block, location)
            gathered.bad += bad
            new = _new_keys(records, seen)
            if new:
                seen.update(dict.fromkeys(new))
                first = first if first is not None else (records[0] if records else None)
                found = _layout(list(seen), first or {}, mapping, label_column, use_labels, pairs_format, location)
                if found is None or (layout is not None and (found.resolved, found.label_column)
                                     != (layout.resolved, layout.label_column)):
                    return None  # not this reader's file, or its columns read differently past the start
                layout = found
            if records:
                if layout is None:
                    return None  # rows before any column (``{}`` lines): the row reader's to report
                _gather(records, lines, layout, gathered, measure)
                for _, _, pending in gathered.features[:-4]:  # two chunks in flight at most:
                    pending.result()  # memory holds their texts, not the file's
            bar.update(bounded.total - bar.n)
    if layout is None or not gathered.lines:
        return None
    return _assemble(gathered, layout, location, label_format=label_format, label_name=label_name,
                     label_map=label_map, strict=strict, with_style="style" in features)


def _new_keys(records: list[dict[str, Any]], seen: dict[str, None]) -> list[str]:
    """Keys of ``records`` not in ``seen``, in order; quick when the rows share their keys."""
    keys = records[0].keys() if records else {}.keys()
    if all(map(operator.eq, map(dict.keys, records), itertools.repeat(keys))):
        return [key for key in keys if key not in seen]
    return list(dict.fromkeys(key for record in records for key in record if key not in seen))


def _measurer(worker: ThreadPoolExecutor) -> Any:
    """Style features of a list of texts, measured on ``worker`` while the next chunk is decoded
    (Polars runs without Python's lock, so reading and measuring share the cores)."""
    from ..features.style_columns import style_columns

    def measure(texts: list[str]) -> Future[dict[str, np.ndarray]]:
        return worker.submit(style_columns, texts)

    return measure


def _bar(location: Any, compression: str | None, progress: bool | None) -> Any:
    from .._progress import progress_bar

    size = None
    if compression is None and hasattr(location, "stat"):
        size = location.stat().st_size
    quiet = None if progress is None else not progress
    return progress_bar(total=size, desc="reading pairs", unit="B", unit_scale=True, disable=quiet,
                        leave=False)


def _gather(records: list[dict[str, Any]], lines: list[int], layout: _Layout, gathered: _Gathered,
            measure: Any) -> None:
    """One chunk of records (see :func:`gather_columns`); a key a record lacks reads as NaN."""
    gather_columns({column: list(map(operator.methodcaller("get", column, _ABSENT), records))
                    for column in layout.columns}, lines, layout, gathered, measure)


def gather_columns(chunk: Mapping[str, list[Any]], lines: list[int], layout: _Layout, gathered: _Gathered,
                   measure: Any) -> None:
    """One chunk, a list of values per column (rows at ``lines``): its non-text values kept per
    column, its string responses measured, its texts kept while the sample has room."""
    start = len(gathered.lines)
    gathered.lines += lines
    text_columns = {layout.resolved[k]: k for k in _TEXT_KEYS}
    first: list[Any] = []
    second: list[Any] = []
    prompts: list[Any] = []
    for column in layout.columns:
        values = chunk[column]
        if column in text_columns:
            if set(map(type, values)) != {str}:
                strange = {start + i: v for i, v in enumerate(values) if type(v) is not str}
                gathered.odd.setdefault(column, {}).update(strange)
                if len(strange) < len(values):
                    gathered.has_text.add(column)
            else:
                gathered.has_text.add(column)
            if text_columns[column] == "response_1":
                first = values
            elif text_columns[column] == "response_2":
                second = values
            else:
                prompts = values
            continue
        gathered.values.setdefault(column, [_ABSENT] * start).extend(values)
    for column in gathered.values:  # a column this chunk lacks entirely
        if len(gathered.values[column]) < len(gathered.lines):
            gathered.values[column].extend([_ABSENT] * (len(gathered.lines) - len(gathered.values[column])))
    if measure is not None:
        for side, texts in enumerate((first, second)):
            rows = list(range(len(texts))) if set(map(type, texts)) == {str} else \
                [i for i, v in enumerate(texts) if type(v) is str]
            strings = texts if len(rows) == len(texts) else [texts[i] for i in rows]
            gathered.features.append((side, np.asarray(rows, dtype=np.int64) + start, measure(strings)))
    for prompt, one, two in zip(prompts, first, second):
        size = sum(len(v) if isinstance(v, str) else len(str(v)) for v in (prompt, one, two))
        if gathered.sample_full or gathered.sample_chars + size > TEXT_SAMPLE_CHARS:
            gathered.sample_full = True
            break
        gathered.sample.append((prompt, one, two))
        gathered.sample_chars += size


def _inferred(values: list[Any]) -> list[Any]:
    """The values as the row reader sees them: the column's dtype inferred as pandas infers it
    for the whole file (an int column with a missing row becomes floats), back as Python values."""
    column = pd.DataFrame({"c": values})["c"]
    out = column.tolist()
    if column.dtype == object:
        out = [v.item() if isinstance(v, np.generic) else v for v in out]
    return out


def _converted_odd(odd: dict[int, Any], has_text: bool) -> dict[int, Any]:
    """A text column's non-string values as pandas would leave them in that column (all strings
    read alike, so one stands for them)."""
    if not odd:
        return {}
    if not has_text:
        return dict(zip(odd, _inferred(list(odd.values()))))
    return dict(zip(odd, _inferred(["text", *odd.values()])[1:]))


def _plain_values(values: list[Any]) -> list[Any]:
    """:func:`_inferred`, skipped where it changes nothing: all strings, or all plain integers."""
    if all(type(v) is str for v in values):
        return values
    if all(type(v) is int and -2 ** 63 <= v < 2 ** 63 for v in values):
        return values
    return _inferred(values)


def _plain_unique(ids: list[Any]) -> bool:
    """Every id a non-empty string, no two alike: the rows need no check one by one."""
    if set(map(type, ids)) != {str}:
        return False
    distinct = set(ids)
    return len(distinct) == len(ids) and "" not in distinct


def _rows(g: _Gathered, layout: _Layout, location: Any, strict: bool
          ) -> tuple[list[int], list[str], dict[str, dict[int, Any]], list[SkippedRow]]:
    """Which rows form pairs (positions), their ids, the text values of rows whose texts were
    not plain strings (as the row reader reads them) and the rows skipped, by the rules of
    :func:`~preftree.data.loaders.pairs_from_table`, in its order."""
    resolved, n = layout.resolved, len(g.lines)
    if strict and g.bad:
        line, reason = g.bad[0]
        raise InputError(reason, path=location, line=line)
    skipped = [SkippedRow(line, reason, None, g.word) for line, reason in g.bad] + list(g.skipped)
    texts = {key: _converted_odd(g.odd.get(resolved[key], {}), resolved[key] in g.has_text) for key in _TEXT_KEYS}
    raw_ids = _plain_values(g.values[resolved["id"]]) if "id" in resolved else None
    odd_rows = set().union(*(texts[key] for key in _TEXT_KEYS))
    if not odd_rows and (raw_ids is None or _plain_unique(raw_ids)):
        return list(range(n)), list(raw_ids) if raw_ids is not None else [str(i + 1) for i in range(n)], \
            {key: {} for key in _TEXT_KEYS}, skipped
    kept: list[int] = []
    ids: list[str] = []
    seen: dict[str, int] = {}
    read: dict[str, dict[int, Any]] = {key: {} for key in _TEXT_KEYS}
    for position in range(n):
        raw = raw_ids[position] if raw_ids is not None else None
        if position not in odd_rows and (raw_ids is None or (type(raw) is str and raw)):
            pair_id = str(raw) if raw_ids is not None else str(position + 1)
            if pair_id not in seen:
                seen[pair_id] = position
                kept.append(position)
                ids.append(pair_id)
                continue
        record = {resolved[key]: texts[key].get(position, "") for key in _TEXT_KEYS}
        if raw_ids is not None:
            record[resolved["id"]] = raw
        try:
            pair_id, *texts_read = pair_fields(record, resolved, position, seen,
                                               lambda first: f"{g.word} {g.lines[first]}")
        except InputError as exc:
            if strict:
                raise InputError(str(exc), path=location, line=g.lines[position]) from None
            skipped.append(SkippedRow(g.lines[position], str(exc), _plain_id(record, resolved), g.word))
            continue
        seen[pair_id] = position
        kept.append(position)
        ids.append(pair_id)
        for key, value in zip(_TEXT_KEYS, texts_read):
            if position in texts[key]:
                read[key][position] = value
    return kept, ids, read, skipped


def _assemble(g: _Gathered, layout: _Layout, location: Any, *, label_format: str, label_name: str,
              label_map: Any, strict: bool, with_style: bool, label_how: str | None = None) -> ColumnPairSet:
    """The pairs, from what the chunks left (see :func:`_rows`)."""
    kept, ids, read, skipped = _rows(g, layout, location, strict)
    if not kept:
        reason = f" (every row was skipped: {skipped[0].reason})" if skipped else ""
        raise InputError(f"no pairs in file{reason}", path=location)
    rows = np.asarray(kept, dtype=np.int64)
    n = len(kept)
    labels = np.zeros(n, dtype=np.int8)
    has_label = np.zeros(n, dtype=bool)
    weights = np.ones(n, dtype=np.float64)
    reading, used_format = None, None
    if layout.label_column is not None:
        values = _plain_values(g.values[layout.label_column])
        parsed = read_labels([values[i] for i in kept], label_format, source=str(location),
                             column=layout.label_column, lines=[g.lines[i] for i in kept],
                             label_map=label_map, ids=ids, how=label_how)
        for offset, (preference, weight) in enumerate(zip(parsed.preferences, parsed.weights)):
            if preference is not None:
                labels[offset], has_label[offset] = preference, True
                weights[offset] = weight or 1.0
        used_format, reading = parsed.format, parsed.reading
    used = set(layout.resolved.values()) | ({layout.label_column} if layout.label_column else set())
    metadata = pd.DataFrame({column: pd.Series([values[i] for i in kept], dtype=object)
                             for column, values in ((c, _plain_values(g.values[c]))
                                                    for c in layout.columns if c not in used)},
                            index=pd.RangeIndex(n))
    sampled = [position for position in kept if position < len(g.sample)]
    columns = PairColumns(
        ids, labels, has_label, weights, metadata,
        prompts=[read["prompt"].get(p, g.sample[p][0]) for p in sampled],
        responses_1=[read["response_1"].get(p, g.sample[p][1]) for p in sampled],
        responses_2=[read["response_2"].get(p, g.sample[p][2]) for p in sampled])
    if with_style:
        columns.features["style"] = _style_frames(g, rows, ids, read)
    pairs = ColumnPairSet(columns, name=location.stem, label_name=label_name, source=str(location),
                          label_format=used_format, pairs_format="preftree")
    pairs.label_reading, pairs.skipped = reading, skipped
    pairs.id_source = "column" if "id" in layout.resolved else "row number"
    pairs.columns_used = {k: v for k, v in layout.resolved.items() if k != v}
    return pairs


def _style_frames(g: _Gathered, rows: np.ndarray, ids: list[str], read: dict[str, dict[int, Any]]
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both responses' style features for the kept rows: the chunks' measures, and the texts
    that were not plain strings in the file measured as read (a number answer as its text)."""
    from ..features.style import STYLE_FEATURES, style_of

    total = len(g.lines)
    sides = [{name: np.full(total, np.nan) for name in STYLE_FEATURES} for _ in range(2)]
    for side, positions, pending in g.features:
        measured = pending.result()
        for name in STYLE_FEATURES:
            sides[side][name][positions] = measured[name]
    for measures, key in zip(sides, ("response_1", "response_2")):
        for position, text in read[key].items():
            for name, value in style_of(text).items():
                measures[name][position] = value
    index = pd.Index(ids)
    frames = tuple(pd.DataFrame({name: side[name][rows] for name in STYLE_FEATURES}, index=index)
                   for side in sides)
    return frames[0], frames[1]
