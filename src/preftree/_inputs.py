"""Reading a file a user names, or one preftree keeps for itself: one opener with the checks every
input gets, beside :mod:`preftree._io`'s checks of every output.

- A regular file only: a FIFO would block, ``/dev/zero`` never ends, a socket or device is no
  document. The file is opened non-blocking and checked with ``fstat`` on the open descriptor, so
  nothing swapped in between a check and the open is read.
- Bounded: a template, a probe file or a JSON document has a size limit of its own, and no reader
  holds more than that limit in memory.
- Decoded as UTF-8, with the line of a bad byte; a Parquet file is refused from its metadata when
  its rows would decode past the limit (``--max-input-bytes``, :func:`input_limit`).
- For preftree's own bookkeeping (journals, keys), a planted symbolic link is refused
  (``follow=False``), and a file is created exclusively with mode 0600.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import fcntl
import io
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = ["DEFAULT_MAX_INPUT_BYTES", "MAX_EXPANSION", "METADATA_LIMIT", "NOT_REGULAR",
           "TEMPLATE_LIMIT", "allowed_bytes", "input_byte_limit", "input_limit", "open_regular",
           "published_percentages", "read_input_bytes", "read_input_text", "read_json_file",
           "parquet_batches", "read_parquet_bounded"]

NOT_REGULAR = "is not a regular file (a FIFO, socket or device would block or never end); give a file"
TEMPLATE_LIMIT = 1 << 20
"""Largest judge, chat or trait template read (bytes)."""


DEFAULT_MAX_INPUT_BYTES = 2 * 1024 ** 3
"""Largest input read (after decompression): generous for preference data, and a bound on the
memory a small compressed file can claim ("a zip bomb")."""
MAX_EXPANSION = 200
"""A compressed input may expand to this many times its size (or 64 MiB) unless
``--max-input-bytes`` is given: text compresses 3-15×, a decompression bomb a thousand × or more."""
_MAX_INPUT: contextvars.ContextVar[int | None] = contextvars.ContextVar("preftree_max_input",
                                                                       default=None)


@contextlib.contextmanager
def input_limit(max_bytes: int | None) -> Iterator[None]:
    """Within the block, inputs larger than ``max_bytes`` (decompressed) are refused (the CLI's
    ``--max-input-bytes``); None keeps the default."""
    token = _MAX_INPUT.set(None if max_bytes is None else int(max_bytes))
    try:
        yield
    finally:
        _MAX_INPUT.reset(token)


def allowed_bytes(path: Any, compression: str | None) -> int:
    """The bytes this input may expand to: ``--max-input-bytes`` when given; otherwise the
    default, and for a compressed file also :data:`MAX_EXPANSION` times its size (at least
    64 MiB), so a few kilobytes cannot claim gigabytes."""
    stated = _MAX_INPUT.get()
    if stated is not None:
        return stated
    if compression is not None and isinstance(path, Path):
        try:
            size = path.stat().st_size
        except OSError:
            return DEFAULT_MAX_INPUT_BYTES
        return min(DEFAULT_MAX_INPUT_BYTES, max(64 * 1024 ** 2, MAX_EXPANSION * size))
    return DEFAULT_MAX_INPUT_BYTES


def input_byte_limit(path: Path) -> int:
    """The bytes an uncompressed local input may hold (``--max-input-bytes`` when given), for
    readers that parse a whole file themselves."""
    return allowed_bytes(path, None)


CELL_BYTES = 64
"""What one decoded cell costs in memory at least (a pandas object and its pointer)."""


PARQUET_BATCH_ROWS = 4096
"""Rows decoded at a time (64 where a column is nested: a list of strings is decoded before it is counted)."""


def read_parquet_bounded(data: bytes, path: Any, limit: int) -> Any:
    """A Parquet file's rows within ``limit`` bytes once decoded (see :func:`parquet_batches`),
    as one pandas frame."""
    import pyarrow as pa

    read = parquet_batches(data, path, limit)
    schema, _ = next(read)
    batches = [batch for _, batch in read]
    try:
        if batches:
            names = batches[0].schema.names
            table = pa.table([uniform_chunks([b.column(i) for b in batches]) for i in range(len(names))], names=names)
        else:
            table = schema.empty_table()
        table = _plain(table, _stored_categories(schema))
        check_utf8(table)  # text that is not UTF-8 fails here, not later in a pandas call
        return table.to_pandas()
    except Exception as exc:  # as in parquet_batches: a corrupt file is an input error
        raise InputError(f"cannot read as Parquet: {str(exc)[:300]}", path=path) from None


def parquet_batches(data: bytes, path: Any, limit: int) -> Iterator[tuple[Any, Any]]:
    """(Arrow schema, record batch) of a Parquet file within ``limit`` bytes once decoded, the
    schema first alone (batch ``None``). Refused from the metadata when rows × columns alone
    exceed the limit; then read in batches with every text column kept
    dictionary-encoded while its size *as plain text* is counted (a 1 MiB string repeated on
    every row is what later stages would hold, not the few kilobytes its dictionary takes), so
    nothing past the limit is ever decoded. Batches hold :data:`PARQUET_BATCH_ROWS` rows, 64 where
    a column is nested. (Arrow builds a row group's dictionary from every distinct text it meets,
    so a file of distinct texts holds its largest row group's texts while read.)"""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        opened = pq.ParquetFile(io.BytesIO(data))
        schema, meta = opened.schema_arrow, opened.metadata
        estimate = meta.num_rows * max(1, meta.num_columns) * CELL_BYTES
        if estimate > limit:
            raise InputError(f"decodes to about {estimate:,} bytes ({meta.num_rows:,} rows × {meta.num_columns} "
                             f"columns), more than the input limit of {limit:,} (--max-input-bytes)", path=path)
        texts = [f.name for f in schema if _is_text(f.type)]
        # text stays dictionary-encoded while counted: a value repeated (or compressed) is held once
        parquet = pq.ParquetFile(io.BytesIO(data), read_dictionary=texts)
        nested = any(pa.types.is_nested(f.type) for f in schema)  # decoded a batch at a time: small ones
        decoded = estimate
        categories = _stored_categories(schema)
        yield parquet.schema_arrow, None
        for batch in parquet.iter_batches(batch_size=64 if nested else PARQUET_BATCH_ROWS):
            decoded += sum(_plain_bytes(column) for column in batch.columns)
            if decoded > limit:
                raise InputError(f"decodes to more than {limit:,} bytes (--max-input-bytes)", path=path)
            if not batch.num_rows:
                continue
            # counted within the limit: plain text now, for each batch's dictionary is the row
            # group's so far (a million distinct texts would be held once per batch); a column
            # stored as categories stays so while its dictionary is a category list's size
            kept = {name for name in categories if name in batch.schema.names
                    and pa.types.is_dictionary(batch.schema.field(name).type)
                    and len(batch.column(name).dictionary) <= CATEGORY_LIMIT}
            plain = _plain(pa.Table.from_batches([batch]), kept).to_batches()[0]
            yield plain.schema, plain
    except InputError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
        raise InputError(f"cannot read as Parquet: {str(exc)[:300]}", path=path) from None


CATEGORY_LIMIT = 65_536
"""Most distinct values a column stored as categories keeps as a dictionary while read (a column
of distinct texts that claims to be categories would hold its growing dictionary in every batch)."""


def uniform_chunks(chunks: list[Any]) -> Any:
    """One chunked column from batches' columns: where a column stored as categories outgrew
    :data:`CATEGORY_LIMIT` part way, every chunk made plain."""
    import pyarrow as pa

    kinds = {chunk.type for chunk in chunks}
    if len(kinds) > 1:
        chunks = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in chunks]
    return pa.chunked_array(chunks)


def check_utf8(table: Any) -> None:
    """Raise ``pyarrow.ArrowInvalid`` where a text column (or a text dictionary) is not UTF-8."""
    import pyarrow as pa

    for column in table.columns:
        kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            continue
        for chunk in column.chunks:
            (chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk).validate(full=True)


def _is_text(kind: Any) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind)
                or pa.types.is_large_binary(kind))


def _plain_bytes(array: Any) -> int:
    """The bytes ``array`` takes decoded: a dictionary column counted as its values repeated."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(array.type) and _is_text(array.type.value_type):
        lengths = pc.binary_length(array.dictionary)
        return int(pc.sum(pc.take(lengths, array.indices)).as_py() or 0) + array.indices.nbytes
    return int(array.nbytes)


def _plain(table: Any, categories: set[str] | None = None) -> Any:
    """Dictionary text columns back to plain text (within the limit now), as the file meant;
    ``categories``: the columns stored as categories, when the caller read them already."""
    import pyarrow as pa

    categories = _stored_categories(table) if categories is None else categories  # once, not per column
    columns = [column.cast(column.type.value_type) if pa.types.is_dictionary(column.type)
               and field.name not in categories else column
               for column, field in zip(table.columns, table.schema)]
    return pa.table(columns, names=table.column_names)


def _stored_categories(table: Any) -> set[str]:
    """Columns the file itself stored as categories (pandas metadata): they stay categorical.
    ``table`` is an Arrow table or schema."""
    import json as _json

    metadata = (getattr(table, "schema", table).metadata or {}).get(b"pandas")
    if not metadata:
        return set()
    try:
        return {c["name"] for c in _json.loads(metadata).get("columns", []) if c.get("pandas_type") == "categorical"}
    except (ValueError, AttributeError, TypeError):
        return set()


def open_regular(path: str | Path, flags: int = os.O_RDONLY, *, follow: bool = True, mode: int = 0o600,
                 what: str = "file") -> int:
    """An open descriptor of the regular file ``path`` (``flags`` as for :func:`os.open`);
    ``follow=False`` refuses a symbolic link at ``path`` itself. Anything else is an
    :class:`InputError` naming the path."""
    flags |= os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags, mode)
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except IsADirectoryError:
        raise InputError(f"is a folder; expected a {what}", path=path) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"is a symbolic link; a {what} preftree keeps for itself must be a regular "
                             "file: move the link away", path=path) from None
        if exc.errno == errno.ENXIO:  # a FIFO opened for writing with no reader
            raise InputError(NOT_REGULAR, path=path) from None
        raise InputError(f"cannot open: {exc.strerror or exc}", path=path) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(NOT_REGULAR, path=path)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_input_bytes(path: str | Path, *, limit: int | None = None, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` (default: ``--max-input-bytes``)."""
    if limit is None:
        limit = input_byte_limit(Path(path))
    with os.fdopen(open_regular(path, what=what), "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"larger than {limit:,} bytes: a {what} is at most that", path=path)
    return data


def read_input_text(path: str | Path, *, limit: int | None = None, what: str = "file") -> str:
    """:func:`read_input_bytes` decoded as UTF-8 (a bad byte is an error naming its line)."""
    data = read_input_bytes(path, limit=limit, what=what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the {what} as UTF-8",
                         path=path, line=line) from None


METADATA_LIMIT = 64 << 20
"""Largest JSON metadata file read (a model's config, a weights index, a spec, a sidecar)."""


def read_json_file(path: str | Path, *, limit: int = METADATA_LIMIT, what: str = "JSON file") -> Any:
    """A small JSON file (a config, an index, a spec), bounded like every input; invalid or
    too deeply nested JSON is an error naming the file."""
    import json

    text = read_input_text(path, limit=limit, what=what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", path=path, line=exc.lineno) from None
    except RecursionError:
        raise InputError("not valid JSON (nested too deeply)", path=path) from None


_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
"""A number as a published table writes it (no "1_0", "0x10", "inf" or "90%")."""


def published_percentages(table: Any, columns: list[str], *, low: float = 0.0, key: str | None = None) -> Any:
    """The ``columns`` of a published-figures table (a :class:`~preftree.data.files.Table`) as
    percentages: a number in [``low``, 100] or blank; text, ``inf`` or 999 is an error at its row
    (a leaderboard must not rank a typo first). ``key`` names the column each row is one of
    (a model): a name given twice is an error too."""
    import math

    import pandas as pd

    frame = table.frame.copy()
    if key is not None:
        names = frame[key].astype(str).str.strip()
        twice = names[names.duplicated()]
        if len(twice):
            raise table.error(int(twice.index[0]) if isinstance(twice.index[0], int) else 0,
                              f"{key} {twice.iloc[0][:60]!r} is given twice; which figures are its?")
    for column in columns:
        values = []
        for position, value in enumerate(frame[column].tolist()):
            if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
                values.append(float("nan"))
                continue
            try:
                if isinstance(value, bool) or (isinstance(value, str) and not _DECIMAL.match(value.strip())):
                    number = float("nan")
                else:
                    number = float(value)
            except (TypeError, ValueError, OverflowError):
                number = float("nan")
            if not (math.isfinite(number) and low <= number <= 100):
                raise table.error(position, f"{column} is {str(value)[:40]!r}: published figures are "
                                            f"percentages from {low:g} to 100 (or blank)")
            values.append(number)
        frame[column] = pd.Series(values, index=frame.index, dtype=float)
    return frame
