"""Reading a file a user names, or one preftree keeps for itself: one opener with the checks every
input gets, beside :mod:`preftree._io`'s checks of every output.

- A regular file only: a FIFO would block, ``/dev/zero`` never ends, a socket or device is no
  document. The file is opened non-blocking and checked with ``fstat`` on the open descriptor, so
  nothing swapped in between a check and the open is read.
- Bounded: a template, a probe file or a JSON document has a size limit of its own, and no reader
  holds more than that limit in memory.
- Decoded as UTF-8, with the line of a bad byte.
- For preftree's own bookkeeping (journals, keys), a planted symbolic link is refused
  (``follow=False``), and a file is created exclusively with mode 0600.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = ["NOT_REGULAR", "TEMPLATE_LIMIT", "open_regular", "read_input_bytes", "published_percentages", "read_input_json", "read_input_text"]

NOT_REGULAR = "is not a regular file (a FIFO, socket or device would block or never end); give a file"
TEMPLATE_LIMIT = 1 << 20
"""Largest judge, chat or trait template read (bytes)."""


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
        from .data.files import input_byte_limit

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


def published_percentages(table: Any, columns: list[str], *, low: float = 0.0) -> Any:
    """The ``columns`` of a published-figures table (a :class:`~preftree.data.files.Table`) as
    percentages: a number in [``low``, 100] or blank; text, ``inf`` or 999 is an error at its row
    (a leaderboard must not rank a typo first)."""
    import math

    import pandas as pd

    frame = table.frame.copy()
    for column in columns:
        values = []
        for position, value in enumerate(frame[column].tolist()):
            if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
                values.append(float("nan"))
                continue
            try:
                number = float(value) if not isinstance(value, bool) else float("nan")
            except (TypeError, ValueError):
                number = float("nan")
            if not (math.isfinite(number) and low <= number <= 100):
                raise table.error(position, f"{column} is {str(value)[:40]!r}: published figures are "
                                            f"percentages from {low:g} to 100 (or blank)")
            values.append(number)
        frame[column] = pd.Series(values, index=frame.index, dtype=float)
    return frame


def read_input_json(path: str | Path, *, limit: int | None = None, what: str = "JSON file") -> Any:
    """A JSON document from the regular file ``path``; NaN and Infinity refused."""
    import json

    text = read_input_text(path, limit=limit, what=what)

    def refuse(name: str) -> Any:
        raise InputError(f"{name} is not a number a {what} holds", path=path)

    try:
        return json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON ({exc.msg})", path=path, line=exc.lineno) from None
    except RecursionError:
        raise InputError("invalid JSON (nested too deeply)", path=path) from None
