"""JSON Lines records: each line decoded once, strictly and fast, with errors at their line."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from ..errors import InputError

__all__ = ["json_block", "json_line"]


def _decode(data: bytes, path: PurePath, *, first_line: int = 1) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + first_line
        raise InputError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as "
                         "UTF-8", path=path, line=line) from None


@functools.cache
def _strict_decoder() -> Any:
    import msgspec

    return msgspec.json.Decoder()


def json_line(data: bytes, number: int, path: PurePath) -> Any:
    """One JSONL line's value. msgspec decodes strict JSON (RFC 8259, UTF-8) about three times as
    fast as ``json.loads``, and whatever it accepts ``json.loads`` reads to the same value (but
    for nesting 993 to 996 levels deep, past Python's recursion limit for ``json.loads``); a line
    it refuses (``NaN``, a byte-order mark, a lone surrogate, damage) is read by ``json.loads``,
    as it always was, so what a file means never depends on which decoder read it."""
    import msgspec

    try:
        return _strict_decoder().decode(data)
    except (msgspec.MsgspecError, RecursionError):
        pass
    raw = _decode(data, path, first_line=number).strip()
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        detail = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) \
            else "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise InputError(f"invalid JSON ({detail})", path=path, line=number) from None


def _read_jsonl(raw_lines: Iterable[tuple[int, bytes]], path: PurePath
                ) -> tuple[list[dict], list[int], list[tuple[int, str]]]:
    """Records of a JSONL stream with their line numbers; a line that is valid JSON but not an
    object is returned apart (``bad``: line, reason) for the caller to skip or refuse; invalid
    JSON or UTF-8 is an error at its line (the file is damaged, not one row)."""
    records: list[dict] = []
    lines: list[int] = []
    bad: list[tuple[int, str]] = []
    for number, data in raw_lines:
        record = json_line(data, number, path)
        if not isinstance(record, dict):
            bad.append((number, f"expected a JSON object, found {type(record).__name__}"))
            continue
        records.append(record)
        lines.append(number)
    return records, lines, bad


def json_block(first: int, lines: list[bytes], path: PurePath
               ) -> tuple[list[dict], list[int], list[tuple[int, str]]]:
    """:func:`_read_jsonl` for consecutive lines from line ``first`` (blank ones included), decoded
    in one pass where every line is a strict JSON object (the common case: no Python per line
    beyond the decoder), else line by line."""
    import msgspec

    decode = _strict_decoder().decode
    try:
        values = [decode(data) for data in lines]
    except (msgspec.MsgspecError, RecursionError):
        values = []
    if values and set(map(type, values)) == {dict}:
        return values, list(range(first, first + len(lines))), []
    return _read_jsonl(((first + offset, line.lstrip()) for offset, line in enumerate(lines) if line.strip()), path)
