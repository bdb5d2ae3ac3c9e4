"""Reading tabular files (JSONL, JSON, CSV, TSV, Parquet; gzip, bzip2 or xz compressed) with
errors that point at the line.

Ids and texts are read as the exact strings in the file: a CSV id ``007``, ``1e3`` or ``0x1f``
stays that string (pandas would read 7, 1000.0 and a string), and a response ``NA`` or ``null`` is
text, not a missing value. Other columns get pandas' usual number parsing.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any

import pandas as pd

from ..errors import InputError

__all__ = ["COMPRESSIONS", "OUTPUT_SUFFIXES", "SUPPORTED_SUFFIXES", "TEXT_COLUMNS", "Table",
           "check_table_output", "parse_mapping", "read_table", "table_suffix", "write_table"]

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
    path: Path
    row_word: str  # "line" for text formats, "record" for JSON lists, "row" for Parquet

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


def _open_bytes(path: Path, compression: str | None) -> bytes:
    opener = COMPRESSIONS.get(compression or "", open)
    try:
        with opener(path, "rb") as handle:
            return handle.read()
    except (OSError, EOFError, lzma.LZMAError) as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
            raise InputError(f"cannot read: {exc.strerror}", path=path) from None
        raise InputError(f"cannot decompress as {compression}: {exc}", path=path) from None


def _decompress(data: bytes, compression: str | None, path: Any) -> bytes:
    if compression is None:
        return data
    try:
        with COMPRESSIONS[compression](io.BytesIO(data), "rb") as handle:
            return handle.read()
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise InputError(f"cannot decompress as {compression}: {exc}", path=path) from None


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as "
                         "UTF-8", path=path, line=line) from None


def _read_jsonl(text: str, path: Path) -> tuple[list[dict], list[int]]:
    records: list[dict] = []
    lines: list[int] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = raw.strip()
        if not raw:
            continue
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, RecursionError) as exc:
            detail = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) \
                else "nested too deeply"
            raise InputError(f"invalid JSON ({detail})", path=path, line=number) from None
        if not isinstance(record, dict):
            raise InputError(f"expected a JSON object, found {type(record).__name__}",
                             path=path, line=number)
        records.append(record)
        lines.append(number)
    return records, lines


def _infer(column: pd.Series) -> pd.Series:
    """pandas' default parsing for a column read as raw strings: NA tokens, then numbers."""
    values = column.where(~column.isin(_NA_STRINGS), None)
    try:
        return pd.to_numeric(values)
    except (ValueError, TypeError):
        return values


def _read_csv(text: str, path: Path, sep: str, text_columns: Sequence[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty", path=path) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"cannot parse as {'TSV' if sep == chr(9) else 'CSV'}: {exc}",
                         path=path) from None
    keep = TEXT_COLUMNS | set(text_columns)
    for column in frame.columns:
        if str(column) not in keep:
            frame[column] = _infer(frame[column])
    return frame


def read_table(path: str | Path, *, text_columns: Sequence[str] = ()) -> Table:
    """Read a JSONL / JSON (list of objects) / CSV / TSV / Parquet file, optionally ``.gz``,
    ``.bz2`` or ``.xz`` compressed, into a :class:`Table`. ``text_columns`` are read as text from
    CSV/TSV on top of :data:`TEXT_COLUMNS`."""
    from .uri import URI, as_location, read_uri_bytes

    path = as_location(path)
    if not isinstance(path, URI) and not path.exists():
        raise InputError("no such file", path=path)
    if not isinstance(path, URI) and path.is_dir():
        raise InputError("is a folder; expected a file", path=path)
    suffix, compression = table_suffix(path)
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(f"unsupported file type {''.join(path.suffixes[-2:]) or 'without a suffix'!r}; "
                         f"expected one of {', '.join(SUPPORTED_SUFFIXES)}, optionally "
                         f"compressed ({', '.join(COMPRESSIONS)})", path=path)
    data = _decompress(read_uri_bytes(path), compression, path) if isinstance(path, URI) \
        else _open_bytes(path, compression)
    if suffix in (".parquet", ".pq"):
        try:
            frame = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
            raise InputError(f"cannot read as Parquet: {exc}", path=path) from None
        return Table(frame, list(range(1, len(frame) + 1)), path, "row")
    text = _decode(data, path)
    if suffix == ".jsonl":
        records, lines = _read_jsonl(text, path)
        return Table(pd.DataFrame.from_records(records), lines, path, "line")
    if suffix == ".json":
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON ({exc.msg})", path=path, line=exc.lineno) from None
        except RecursionError:
            raise InputError("invalid JSON (nested too deeply)", path=path) from None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise InputError("expected a JSON list of objects (or use .jsonl)", path=path)
        return Table(pd.DataFrame.from_records(records), list(range(1, len(records) + 1)), path,
                     "record")
    frame = _read_csv(text, path, "\t" if suffix == ".tsv" else ",", text_columns)
    # Line numbers assume one line per record (header is line 1); quoted newlines shift them.
    return Table(frame, list(range(2, len(frame) + 2)), path, "line")


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
            plain.to_csv(tmp, index=False)
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
