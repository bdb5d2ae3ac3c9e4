"""Reading tabular files (JSONL, JSON, CSV, TSV, Parquet) with errors that point at the line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError

__all__ = ["SUPPORTED_SUFFIXES", "Table", "parse_mapping", "read_table"]

SUPPORTED_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".parquet", ".pq")


@dataclass
class Table:
    """A file's rows, and the file line (or 1-based row) that each row came from."""

    frame: pd.DataFrame
    lines: list[int]
    path: Path
    row_word: str  # "line" for text formats, "row" for Parquet

    def where(self, position: int) -> str:
        return f"{self.row_word} {self.lines[position]}"


def _read_jsonl(path: Path) -> tuple[list[dict], list[int]]:
    records: list[dict] = []
    lines: list[int] = []
    with path.open("r", encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.strip()
            if not text:
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON ({exc.msg} at column {exc.colno})",
                                 path=path, line=number) from None
            if not isinstance(record, dict):
                raise InputError(f"expected a JSON object, found {type(record).__name__}",
                                 path=path, line=number)
            records.append(record)
            lines.append(number)
    return records, lines


def read_table(path: str | Path) -> Table:
    """Read a JSONL / JSON (list of objects) / CSV / TSV / Parquet file into a :class:`Table`."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", path=path)
    suffix = path.suffix.lower()
    if suffix == ".gz":
        suffix = Path(path.stem).suffix.lower()
    if suffix == ".jsonl":
        records, lines = _read_jsonl(path)
        return Table(pd.DataFrame.from_records(records), lines, path, "line")
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON ({exc.msg})", path=path, line=exc.lineno) from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InputError("expected a JSON list of objects (or use .jsonl)", path=path)
        return Table(pd.DataFrame.from_records(data), list(range(1, len(data) + 1)), path, "record")
    if suffix in (".csv", ".tsv"):
        try:
            frame = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", keep_default_na=True)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot parse as {suffix[1:].upper()}: {exc}", path=path) from None
        except pd.errors.EmptyDataError:
            raise InputError("the file is empty", path=path) from None
        # Line numbers assume one line per record (header is line 1); quoted newlines shift them.
        return Table(frame, list(range(2, len(frame) + 2)), path, "line")
    if suffix in (".parquet", ".pq"):
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
            raise InputError(f"cannot read as Parquet: {exc}", path=path) from None
        return Table(frame, list(range(1, len(frame) + 1)), path, "row")
    raise InputError(f"unsupported file type {path.suffix!r}; expected one of "
                     f"{', '.join(SUPPORTED_SUFFIXES)}", path=path)


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
