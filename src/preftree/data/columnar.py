"""A JSONL file read column-wise by Arrow's JSON reader (multi-threaded C++, no Python object per
row) when the result is exactly what the record-by-record reader gives; otherwise ``None``, and
the caller reads it record by record, which names the line of every problem.

Exactly the same means: the bytes read through the same bounds (total and per-record limits,
streamed decompression), one object per line and no blank line (so row *k* is line *k*), and only
plain values Arrow and ``json.loads`` read alike (text, integers, floats, booleans, null): nested
values, timestamps Arrow would infer from text, integers past 64 bits, escaped
surrogates, a byte-order mark or invalid UTF-8 all go the record-by-record way."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["read_jsonl_columnar"]

_PLAIN = ("string", "large_string", "int64", "double", "bool", "null")
_SURROGATE = re.compile(rb"\\u[dD][89abAB]")
"""An escaped surrogate: a lone one is text to ``json.loads`` and not to Arrow."""
_INT64 = 2.0 ** 63
_LONG_DIGITS = re.compile(rb"[0-9]{19,}")
_BLOCK = 8 << 20
"""Arrow's block: a line longer than this is left to the record-by-record reader."""
"""A JSON integer past 64 bits becomes an Arrow float (an id would change): such a column is read apart."""


def _scan(path: Path, max_record: int) -> tuple[int, bool] | None:
    """The number of rows a file's lines hold (newlines at its end hold none) and whether it has
    an escaped surrogate, read in 1 MiB chunks; None for a file of newlines only, or with a line
    past the record limit (the record-by-record reader names it)."""
    newlines = trailing = run = 0
    surrogate = False
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            last = chunk.rfind(b"\n")
            longest = max((len(part) for part in chunk.split(b"\n")), default=0)
            if max(run + (len(chunk) if last < 0 else chunk.find(b"\n")), longest) > max_record:
                return None
            run = run + len(chunk) if last < 0 else len(chunk) - last - 1
            newlines += chunk.count(b"\n")
            stripped = chunk.rstrip(b"\n")
            trailing = trailing + len(chunk) if not stripped else len(chunk) - len(stripped)
            window = tail + chunk
            if (b"\\ud" in window or b"\\uD" in window) and _SURROGATE.search(window):
                surrogate = True
            tail = chunk[-8:]
    rows = newlines - trailing + 1
    return None if newlines == trailing and not tail.strip(b"\n") else (rows, surrogate)


def read_jsonl_columnar(path: Any, compression: str | None, max_record: int) -> Any:
    """The file's frame read column-wise (row *k* is line *k*), or ``None`` (read it row by row).
    Only a local, uncompressed file within the input limit is read so: Arrow reads it in blocks
    itself, and what it cannot read (a line longer than a block, a compressed bomb) is left to the
    record-by-record reader's bounds."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pj

    from .._inputs import allowed_bytes

    if compression is not None or not isinstance(path, Path) or path.stat().st_size > allowed_bytes(path, None):
        return None
    with path.open("rb") as handle:
        if handle.read(3) == b"\xef\xbb\xbf":
            return None
    scanned = _scan(path, max_record)
    if scanned is None or scanned[1]:
        return None
    try:
        table = pj.read_json(path, read_options=pj.ReadOptions(block_size=_BLOCK))
        table.validate(full=True)  # Arrow's JSON reader lets invalid UTF-8 through: the record reader names its line
    except (pa.ArrowException, ValueError, OSError):
        return None
    if table.num_rows != scanned[0] or any(str(field.type) not in _PLAIN for field in table.schema):
        return None  # Arrow skipped blank lines (then rows and lines disagree), or read a type apart
    huge = any(str(field.type) == "double" and (pc.max(pc.abs(column)).as_py() or 0.0) >= _INT64
               for column, field in zip(table.columns, table.schema))
    if huge and _has_long_integer(path):  # a float that large may have been a long integer
        return None
    return table.to_pandas()


def _has_long_integer(path: Path) -> bool:
    with path.open("rb") as handle:
        return any(int(run) >= _INT64 for line in handle for run in _LONG_DIGITS.findall(line))
