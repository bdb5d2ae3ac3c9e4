"""Progress bars that suit where they are read: live in a terminal, and in a log (stderr not a
terminal: CI, ``nohup``, a pipe) one line every half minute instead of thousands of redraws."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["LOG_INTERVAL_S", "progress_bar"]

LOG_INTERVAL_S = 30.0
"""Seconds between a bar's lines when stderr is not a terminal."""


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or file-like stream without isatty
        return False


def progress_bar(iterable: Any = None, **options: Any) -> Any:
    """``tqdm(iterable, **options)``; outside a terminal, redrawn at most every
    :data:`LOG_INTERVAL_S` seconds, in ASCII and 100 columns."""
    from tqdm.auto import tqdm

    if not _is_terminal(options.get("file") or sys.stderr):
        options.setdefault("mininterval", LOG_INTERVAL_S)
        options.setdefault("maxinterval", 2 * LOG_INTERVAL_S)
        options.setdefault("ascii", True)
        options.setdefault("ncols", 100)
    return tqdm(iterable, **options)
