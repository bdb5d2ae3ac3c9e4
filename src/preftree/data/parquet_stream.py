"""Reading a Parquet pairs file into columns, the responses measured from Arrow.

The Parquet counterpart of :func:`~preftree.data.stream.read_pair_columns`: the file is read in
batches within the input limit as the row reader reads it (:func:`~preftree._inputs.parquet_batches`),
each batch's responses are measured by Polars straight from the Arrow buffers
(:func:`~preftree.features.style_columns.style_arrow`) and let go, but for the bounded sample of
texts the report quotes. The other columns (ids, labels, metadata) are converted to pandas once,
for the whole file, as the row reader converts them, so every value reads alike: the result equals
:func:`~preftree.data.load_pairs`' (a test compares them). Text columns that are not Arrow strings
(a prompt given as a list of messages) leave the file to the table reader (``None``), whose rows
:mod:`.table_columns` then holds as columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .._inputs import _plain, allowed_bytes, check_utf8, parquet_batches, uniform_chunks
from ..errors import InputError
from .columns import ColumnPairSet
from .files import _read_input, table_location
from .rows import _ELEMENT, record_values
from .stream import _TEXT_KEYS, CHUNK_ROWS, TEXT_SAMPLE_CHARS, _assemble, _Gathered, _Layout, _layout

__all__ = ["read_parquet_columns"]


def read_parquet_columns(path: Any, *, mapping: Mapping[str, str] | None = None, label_column: str | None = None,
                         label_format: str = "auto", label_name: str = "label", use_labels: bool = True,
                         pairs_format: str = "auto", label_map: Any = None, strict: bool = False,
                         features: Sequence[str] = ("style",), progress: bool | None = None) -> ColumnPairSet | None:
    """A Parquet pairs file (optionally compressed, local or a URI) read into columns, the style
    features computed on the way when ``features`` holds ``"style"``; ``None`` when the file is
    not one this reader handles. Arguments as :func:`~preftree.data.load_pairs`'."""

    from .._progress import progress_bar
    from ..features.style_columns import style_arrow

    mapping = dict(mapping or {})
    if pairs_format not in ("auto", "preftree") or any(_ELEMENT.match(v) for v in mapping.values()):
        return None
    location, suffix, compression = table_location(path)
    if suffix not in (".parquet", ".pq"):
        return None
    data = _read_input(location, compression)
    batches = parquet_batches(data, location, allowed_bytes(location, compression))
    schema, _ = next(batches)
    if len(set(schema.names)) != len(schema.names):  # a name twice: the row reader says what it makes of it
        return None
    columns = [str(c) for c in _plain(schema.empty_table()).to_pandas().columns]  # the row reader's
    g, layout = _Gathered(word="row"), None
    others: dict[str, list[Any]] = {}
    texts: dict[str, str] = {}
    waiting: list[Any] = []  # batches not yet measured: a chunk of CHUNK_ROWS is measured at once
    quiet = None if progress is None else not progress
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="preftree-style") as worker, \
            progress_bar(desc="reading pairs", unit="row", disable=quiet, leave=False) as bar:
        measure = (lambda strings: worker.submit(style_arrow, strings)) if "style" in features else None
        for _, batch in batches:
            if layout is None:
                layout = _text_layout(columns, schema, batch, mapping, label_column, use_labels, pairs_format,
                                      location)
                if layout is None:
                    return None
                texts = {layout.resolved[key]: key for key in _TEXT_KEYS}
                others = {name: [] for name in schema.names if name not in texts}
            for name in others:
                others[name].append(batch.column(name))
            waiting.append(batch)
            if sum(b.num_rows for b in waiting) >= CHUNK_ROWS:
                _take_chunk(waiting, texts, layout, g, measure, location)
                waiting = []
            bar.update(batch.num_rows)
        if layout is None:
            return None
        if waiting:
            _take_chunk(waiting, texts, layout, g, measure, location)
        if not g.lines:
            return None
        for name, values in _python_columns(others, schema, location).items():
            g.values[name] = values
        return _assemble(g, layout, location, label_format=label_format, label_name=label_name,
                         label_map=label_map, strict=strict, with_style=measure is not None)


def _take_chunk(batches: list[Any], texts: dict[str, str], layout: _Layout, g: _Gathered, measure: Any,
                location: Any) -> None:
    """A chunk of batches: its text columns decoded plain (within the limit, counted as read) and
    checked as UTF-8, missing texts noted, responses measured, the sample taken."""
    import pyarrow as pa

    start = len(g.lines)
    rows = sum(b.num_rows for b in batches)
    g.lines += range(start + 1, start + rows + 1)
    plain: dict[str, Any] = {}
    for column, key in texts.items():
        parts = [b.column(column) for b in batches]
        parts = [p.cast(p.type.value_type) if pa.types.is_dictionary(p.type) else p for p in parts]
        array = pa.concat_arrays(parts)
        try:
            array.validate(full=True)
        except pa.ArrowInvalid as exc:  # not UTF-8: a damaged file, said where
            raise InputError(f"column {column!r}, rows {start + 1}–{start + rows}: not valid text ({exc})",
                             path=location) from None
        plain[column] = array
        valid = np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        if array.null_count:  # a missing text: the row reader's to judge (skipped, said why)
            g.odd.setdefault(column, {}).update(dict.fromkeys((start + np.flatnonzero(~valid)).tolist()))
        if array.null_count < len(array):
            g.has_text.add(column)
        if key != "prompt" and measure is not None:
            strings = array.filter(pa.array(valid)) if array.null_count else array
            g.features.append((0 if key == "response_1" else 1, start + np.flatnonzero(valid), measure(strings)))
    _sample(plain, layout, g)
    for _, _, pending in g.features[-8:-4]:  # two chunks in flight at most
        pending.result()


def _text_layout(columns: list[str], schema: Any, batch: Any, mapping: Mapping[str, str], label_column: str | None,
                 use_labels: bool, pairs_format: str, location: Any) -> _Layout | None:
    """The columns' reading (as :func:`~preftree.data.stream._layout`, the first row as pandas
    reads it), or None where a text column is not Arrow text."""
    import pyarrow as pa

    try:
        first = _plain(pa.Table.from_batches([batch.slice(0, 1)])).to_pandas()
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise InputError(f"cannot read as Parquet: {str(exc)[:300]}", path=location) from None
    layout = _layout(columns, first.iloc[0].to_dict() if len(first) else {}, mapping, label_column, use_labels,
                     pairs_format, location)
    if layout is None:
        return None
    for key in _TEXT_KEYS:
        kind = schema.field(layout.resolved[key]).type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            return None
    return layout


def _sample(plain: dict[str, Any], layout: _Layout, g: _Gathered) -> None:
    """The chunk's texts, first rows first, while the sample has room (as the JSONL reader keeps them)."""
    if g.sample_full:
        return
    columns = [plain[layout.resolved[key]] for key in _TEXT_KEYS]
    step = 256  # rows converted to Python at a time: a sample that fills early converts no more
    for offset in range(0, len(columns[0]), step):
        rows = zip(*(column.slice(offset, step).to_pylist() for column in columns))
        for prompt, one, two in rows:
            size = sum(len(v) if isinstance(v, str) else len(str(v)) for v in (prompt, one, two))
            if g.sample_chars + size > TEXT_SAMPLE_CHARS:
                g.sample_full = True
                return
            g.sample.append((prompt, one, two))
            g.sample_chars += size


def _python_columns(chunks: dict[str, list[Any]], schema: Any, location: Any) -> dict[str, list[Any]]:
    """The non-text columns of the whole file as the row reader's records hold them: one pandas
    conversion of the whole column (an int column with a null anywhere is floats throughout),
    then Python values as ``to_dict("records")`` gives them."""
    import pyarrow as pa

    arrays = [uniform_chunks(parts) if parts else pa.chunked_array([], type=schema.field(name).type)
              for name, parts in chunks.items()]
    try:
        table = _plain(pa.table(arrays, names=list(chunks)))
        check_utf8(table)
        frame = table.to_pandas()
    except (pa.ArrowException, ValueError, TypeError) as exc:  # as the row reader says of such a file
        raise InputError(f"cannot read as Parquet: {str(exc)[:300]}", path=location) from None
    return {str(name): values for name, values in record_values(frame).items()}
