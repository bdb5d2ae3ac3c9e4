"""Pairs from a table already read (CSV, TSV, a JSON list, or any native layout turned into
preftree's columns) as columns, for work on features alone.

The table reader parses the file as for every command; what this module spares is the rest of
the row reader's work: no :class:`~preftree.data.model.Pair` per row, the responses' style
features measured a chunk of texts at a time (:mod:`preftree.features.style_columns`), and the
texts let go but for the sample the report quotes. The rows are read by the rules of
:func:`~preftree.data.loaders.pairs_from_table` (the same module as the JSONL and Parquet
column readers, :mod:`.stream`), so the result equals the row reader's (a test compares them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .columns import ColumnPairSet
from .files import Table
from .model import SkippedRow
from .rows import _ELEMENT, record_values
from .stream import CHUNK_ROWS, _assemble, _Gathered, _layout, _measurer, gather_columns

__all__ = ["columns_from_table"]


def columns_from_table(table: Table, *, mapping: Mapping[str, str] | None = None, label_column: str | None = None,
                       label_format: str = "auto", label_name: str = "label", use_labels: bool = True,
                       label_map: Any = None, strict: bool = False, label_how: str | None = None,
                       skipped: Sequence[SkippedRow] = (), features: Sequence[str] = ("style",)
                       ) -> ColumnPairSet | None:
    """The pairs of a table in preftree's columns, as :func:`~preftree.data.loaders.pairs_from_table`
    reads them, held as columns with the style features measured when ``features`` names
    ``"style"``; ``None`` where the row reader is the one to read it (a ``--map`` list element,
    a column named twice, columns that do not resolve: it says what is wrong)."""
    mapping = dict(mapping or {})
    if any(_ELEMENT.match(v) for v in mapping.values()):
        return None
    frame = table.frame
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns) or not len(frame):
        return None
    layout = _layout(columns, {}, mapping, label_column, use_labels, "preftree", table.path)
    if layout is None:
        return None
    values = dict(zip(columns, record_values(frame).values()))
    g = _Gathered(word=table.row_word, bad=list(table.bad_rows), skipped=list(skipped))
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="preftree-style") as worker:
        measure = _measurer(worker) if "style" in features else None
        for start in range(0, len(frame), CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, len(frame))
            gather_columns({c: v[start:stop] for c, v in values.items()}, table.lines[start:stop], layout, g,
                           measure)
        return _assemble(g, layout, table.path, label_format=label_format, label_name=label_name,
                         label_map=label_map, strict=strict, with_style=measure is not None, label_how=label_how)
