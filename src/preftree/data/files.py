"""Reading tabular files (JSONL, JSON, CSV, TSV, Parquet; gzip, bzip2 or xz compressed) with
errors that point at the line.

Ids and texts are read as the exact strings in the file: a CSV id ``007``, ``1e3`` or ``0x1f``
stays that string (pandas would read 7, 1000.0 and a string), and a response ``NA`` or ``null`` is
text, not a missing value. Other columns get pandas' usual number parsing.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import json
import lzma
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import IO, Any

import pandas as pd

from .._inputs import (
    DEFAULT_MAX_INPUT_BYTES,
    NOT_REGULAR,
    input_byte_limit,
    input_limit,
    open_regular,
    read_parquet_bounded,
)
from .._inputs import allowed_bytes as _limit
from ..errors import InputError
from .jsonl import _decode, _read_jsonl
from .rows import record_values

__all__ = [
    "COMPRESSIONS",
    "DEFAULT_MAX_INPUT_BYTES",
    "MAX_RECORD_BYTES",
    "NOT_REGULAR",
    "OUTPUT_SUFFIXES",
    "SUPPORTED_SUFFIXES",
    "TEXT_COLUMNS",
    "Table",
    "check_table_output",
    "input_byte_limit",
    "input_limit",
    "parse_mapping",
    "read_table",
    "table_suffix",
    "write_table",
]

SUPPORTED_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".parquet", ".pq")
OUTPUT_SUFFIXES = (".csv", ".jsonl", ".parquet")
"""Formats preftree writes tables in; the output path's suffix chooses."""
COMPRESSIONS: dict[str, Callable[..., IO[Any]]] = {".gz": gzip.open, ".bz2": bz2.open,
                                                    ".xz": lzma.open}
TEXT_COLUMNS = frozenset({
    "id", "index", "pair_id", "question_id", "original_id",  # ids
    "prompt", "question", "instruction", "input", "response_1", "response_2", "response_A",
    "response_B", "response_a", "response_b", "output_1", "output_2", "chosen", "rejected",
    "completion_orig", "completion_swapped", "error", "split", "subset", "model",
})
"""Columns always read as text from CSV/TSV (plus any that ``--map`` names)."""

_NA_STRINGS = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "null", "NULL",
                         "None", "<NA>", "#N/A"})


@dataclass
class Table:
    """A file's rows, and the file line (or 1-based record/row) that each row came from."""

    frame: pd.DataFrame
    lines: list[int]
    path: PurePath  # a local Path, or a remote file's URI
    row_word: str  # "line" for text formats, "record" for JSON lists, "row" for Parquet
    bad_rows: list[tuple[int, str]] = field(default_factory=list)  # (line, why) rows left out

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts of plain Python values, as ``frame.to_dict("records")`` gives them,
        built column by column where that is the same (several times faster on a large file):
        columns of numbers, booleans, text or plain objects, each named once."""
        import numpy as np

        frame = self.frame
        names = list(frame.columns)
        plain = len(set(names)) == len(names) and len(names) > 0 and all(
            isinstance(dtype, np.dtype) or str(dtype) == "str" for dtype in frame.dtypes)
        if not plain:
            return list(frame.to_dict("records"))
        columns = list(record_values(frame).values())
        return [dict(zip(names, row)) for row in zip(*columns)]

    def refuse_bad_rows(self) -> None:
        """For readers that take no skipped rows (judge files, results): the first is an error."""
        if self.bad_rows:
            line, reason = self.bad_rows[0]
            raise InputError(reason, path=self.path, line=line)

    def where(self, position: int) -> str:
        """``FILE:LINE`` of a row, the location style of every preftree error."""
        return f"{self.path}:{self.lines[position]}"

    def error(self, position: int, message: str) -> InputError:
        """An :class:`InputError` located at a row: ``FILE:LINE: message``."""
        return InputError(message, path=self.path, line=self.lines[position])


def table_suffix(path: PurePath) -> tuple[str, str | None]:
    """The table format's suffix and the compression's (``data.jsonl.gz`` → ``.jsonl``, ``.gz``)."""
    suffix = path.suffix.lower()
    if suffix in COMPRESSIONS:
        return Path(path.stem).suffix.lower(), suffix
    return suffix, None


MAX_RECORD_BYTES = 64 * 1024 ** 2
"""Largest single record (one JSONL/CSV line): no real pair is 64 MB."""
class _Bounded:
    """Reads a binary stream while counting: past ``max_bytes`` in all, or a record (a run of
    bytes without a newline) past ``MAX_RECORD_BYTES``, it stops with an error naming the file
    and line, so memory stays bounded whatever the stream expands to."""

    def __init__(self, stream: IO[bytes], path: Any, max_bytes: int) -> None:
        self.stream, self.path, self.max_bytes = stream, path, max_bytes
        self.total = 0

    def _too_large(self) -> InputError:
        return InputError(f"is larger than {self.max_bytes:,} bytes once decompressed; pass "
                          "--max-input-bytes N if it really is that large", path=self.path)

    def _count(self, n: int) -> None:
        self.total += n
        if self.total > self.max_bytes:
            raise self._too_large()

    def _record_too_long(self, line: int) -> InputError:
        return InputError(f"a record is longer than {MAX_RECORD_BYTES:,} bytes; no preference "
                          "pair is that long (is this the right file?)", path=self.path, line=line)

    def blocks(self) -> Iterator[tuple[int, list[bytes]]]:
        """(number of the first line, the lines) of each 1 MiB read, blank lines included; a
        record over the limit is an error at its line."""
        number, pending = 1, b""
        while chunk := self.stream.read(_CHUNK):
            self._count(len(chunk))
            data = pending + chunk
            end = data.rfind(b"\n") + 1
            body, pending = data[:end], data[end:]
            lines = body.split(b"\n")[:-1]
            if lines and max(map(len, lines)) > MAX_RECORD_BYTES:
                raise self._record_too_long(number + [len(line) > MAX_RECORD_BYTES for line in lines].index(True))
            yield number, lines
            number += len(lines)
            if len(pending) > MAX_RECORD_BYTES:
                raise self._record_too_long(number)
        if pending.strip():
            yield number, [pending.strip()]

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """(line number, text) of each line that is not blank, the white space before it (ASCII,
        as JSON's) dropped."""
        for number, lines in self.blocks():
            for offset, line in enumerate(lines):
                text = line.lstrip()
                if text:
                    yield number + offset, text

    def read(self) -> bytes:
        """The whole stream, bounded by ``max_bytes`` and the record limit."""
        parts: list[bytes] = []
        run = 0
        while chunk := self.stream.read(_CHUNK):
            self._count(len(chunk))
            newline = chunk.rfind(b"\n")
            run = run + len(chunk) if newline < 0 else len(chunk) - newline - 1
            if run > MAX_RECORD_BYTES:
                raise self._record_too_long(sum(p.count(b"\n") for p in parts) + 1)
            parts.append(chunk)
        return b"".join(parts)


_CHUNK = 1 << 20


def _open_stream(path: Any, compression: str | None) -> contextlib.AbstractContextManager[IO[bytes]]:
    """A binary stream over the (decompressed) file: a local path or a URI, never read whole."""
    from .uri import URI, open_uri

    @contextlib.contextmanager
    def opened() -> Iterator[IO[bytes]]:
        with contextlib.ExitStack() as stack:
            if isinstance(path, URI):
                raw = stack.enter_context(open_uri(path))
            else:
                raw = stack.enter_context(os.fdopen(open_regular(path), "rb"))  # never a FIFO or device
            if compression is not None:
                raw = stack.enter_context(COMPRESSIONS[compression](raw, "rb"))
            yield raw

    return opened()


@contextlib.contextmanager
def _input_stream(path: Any, compression: str | None) -> Iterator[_Bounded]:
    """The input as a :class:`_Bounded` stream, with read and decompression errors named."""
    try:
        with _open_stream(path, compression) as stream:
            yield _Bounded(stream, path, _limit(path, compression))
    except (OSError, EOFError, lzma.LZMAError) as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
            raise InputError(f"cannot read: {exc.strerror}", path=path) from None
        raise InputError(f"cannot decompress as {compression}: {exc}", path=path) from None


def _read_input(path: Any, compression: str | None) -> bytes:
    """The file's bytes, bounded (see :func:`_limit`)."""
    with _input_stream(path, compression) as bounded:
        return bounded.read()


def _infer(column: pd.Series) -> pd.Series:
    """pandas' default parsing for a column read as raw strings: NA tokens, then numbers."""
    values = column.where(~column.isin(_NA_STRINGS), None)
    try:
        return pd.to_numeric(values)
    except (ValueError, TypeError):
        return values


def _written_by_preftree(path: Any) -> bool:
    """Whether preftree wrote this file and it is unchanged (its sealed manifest says so): only
    then is a leading "'" one preftree added to keep a cell from being a formula."""
    from .._manifest import Manifest

    if not isinstance(path, Path):
        return False
    path = Path(os.path.abspath(path))
    for folder in list(path.parents)[:3]:  # a folder output records its sub-folders' files at its top
        try:
            if Manifest.read(folder).owns(path.relative_to(folder).as_posix()):
                return True
        except OSError:
            continue
    return False


def _read_csv(text: str, path: PurePath, sep: str, text_columns: Sequence[str], *, ours: bool = False) -> pd.DataFrame:
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty", path=path) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"cannot parse as {'TSV' if sep == chr(9) else 'CSV'}: {exc}",
                         path=path) from None
    from .._markup import uncsv_cell

    keep = TEXT_COLUMNS | set(text_columns)
    if ours:  # a cell preftree kept from being a formula reads as it was; a user's file as it is
        frame.columns = [uncsv_cell(str(c)) for c in frame.columns]
    for column in frame.columns:
        if ours:
            frame[column] = frame[column].map(uncsv_cell)
        if str(column) not in keep:
            frame[column] = _infer(frame[column])
    return frame


def table_location(path: str | Path) -> tuple[Any, str, str | None]:
    """A table input's location (a local path or a URI), format suffix and compression, checked:
    an existing regular file of a supported type."""
    from .uri import URI, as_location

    location = as_location(path)
    if not isinstance(location, URI) and not location.exists():
        raise InputError("no such file", path=location)
    if not isinstance(location, URI) and location.is_dir():
        raise InputError("is a folder; expected a file", path=location)
    if not isinstance(location, URI) and not location.is_file():
        raise InputError(NOT_REGULAR, path=location)
    suffix, compression = table_suffix(location)
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(f"unsupported file type {''.join(location.suffixes[-2:]) or 'without a suffix'!r}; "
                         f"expected one of {', '.join(SUPPORTED_SUFFIXES)}, optionally "
                         f"compressed ({', '.join(COMPRESSIONS)})", path=location)
    return location, suffix, compression


def read_table(path: str | Path, *, text_columns: Sequence[str] = ()) -> Table:
    """Read a JSONL / JSON (list of objects) / CSV / TSV / Parquet file, optionally ``.gz``,
    ``.bz2`` or ``.xz`` compressed, into a :class:`Table`. ``text_columns`` are read as text from
    CSV/TSV on top of :data:`TEXT_COLUMNS`."""
    location, suffix, compression = table_location(path)
    if suffix == ".jsonl":  # record by record: memory grows with the records, not the file
        with _input_stream(location, compression) as bounded:
            records, lines, bad = _read_jsonl(bounded.lines(), location)
        return Table(pd.DataFrame.from_records(records), lines, location, "line", bad)
    data = _read_input(location, compression)
    if suffix in (".parquet", ".pq"):
        frame = read_parquet_bounded(data, location, _limit(location, compression))
        return Table(frame, list(range(1, len(frame) + 1)), location, "row")
    text = _decode(data, location)
    if suffix == ".json":
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON ({exc.msg})", path=location, line=exc.lineno) from None
        except RecursionError:
            raise InputError("invalid JSON (nested too deeply)", path=location) from None
        if not isinstance(records, list):
            raise InputError("expected a JSON list of objects (or use .jsonl; an AnnotatedPairs file: give "
                             "--pairs-format annotated-pairs)", path=location)
        bad = [(i, f"expected a JSON object, found {type(r).__name__}")
               for i, r in enumerate(records, start=1) if not isinstance(r, dict)]
        kept = [(i, r) for i, r in enumerate(records, start=1) if isinstance(r, dict)]
        return Table(pd.DataFrame.from_records([r for _, r in kept]), [i for i, _ in kept], location,
                     "record", bad)
    frame = _read_csv(text, location, "\t" if suffix == ".tsv" else ",", text_columns,
                      ours=suffix == ".csv" and compression is None and _written_by_preftree(location))
    # Line numbers assume one line per record (header is line 1); quoted newlines shift them.
    return Table(frame, list(range(2, len(frame) + 2)), location, "line")


def check_table_output(path: str | Path, inputs: Sequence[Any] = ()) -> Path:
    """Check a table output before any work: a known suffix, a file path, not one of ``inputs``."""
    from .._io import check_output_file

    path = Path(path)
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(f"cannot write a table as {path.suffix or 'a file without suffix'!r}; the "
                         f"suffix chooses the format: {', '.join(OUTPUT_SUFFIXES)}", path=path)
    return check_output_file(path, inputs)


def write_table(frame: pd.DataFrame, path: str | Path,
                schema_metadata: dict[bytes, bytes] | None = None) -> Path:
    """Write ``frame`` atomically as CSV, JSONL or Parquet, as the suffix says; ids and texts are
    written as strings so they read back unchanged. ``schema_metadata`` goes into Parquet's schema."""
    from .._io import atomic_path

    path = check_table_output(path)
    suffix = path.suffix.lower()
    plain = frame.copy()
    plain.attrs = {}
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(plain, preserve_index=False)
            if schema_metadata:
                table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                                       **schema_metadata})
            pq.write_table(table, tmp)
        elif suffix == ".csv":
            from .._markup import csv_frame

            csv_frame(plain).to_csv(tmp, index=False)  # no cell a spreadsheet runs as a formula
        else:
            plain.to_json(tmp, orient="records", lines=True, force_ascii=False)
    return path


def parse_mapping(spec: str | None) -> dict[str, str]:
    """Parse ``canonical=source,...`` (as given to ``--map``) into ``{canonical: source}``.

    >>> parse_mapping("prompt=question,response_1=response_A")
    {'prompt': 'question', 'response_1': 'response_A'}
    """
    if not spec:
        return {}
    mapping: dict[str, str] = {}
    for item in spec.split(","):
        if "=" not in item:
            raise InputError(f"bad --map entry {item!r}: expected CANONICAL=COLUMN, "
                             "e.g. prompt=question")
        key, value = (part.strip() for part in item.split("=", 1))
        mapping[key] = value
    return mapping
