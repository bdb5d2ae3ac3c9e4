"""The style features of :mod:`.style`, computed over whole columns of texts at once.

The same definitions as :func:`~preftree.features.style.style_of`, the same numbers to the last
digit: the regular expressions run in Polars' engine (Rust's ``regex``, compiled once, over Arrow
buffers, on every core) instead of once per response in Python. Two things keep them equal:

- Character classes are spelled out from Python's own tables: ``\\s`` is every character
  ``str.isspace`` calls white space (Rust's ``\\s`` lacks ``\\x1c``–``\\x1f``), ``\\d`` every
  character ``str.isdecimal`` calls a digit (the Unicode versions of the two engines differ).
- A text with a fenced code block, a line end other than ``\\n``, or a lone surrogate (which Arrow
  cannot hold) is measured by :func:`style_of` itself: its prose is the text with code removed,
  which only the line-by-line definition gives. Such texts are few; the rest need no Python.

Lookarounds, which Rust's engine lacks, are rewritten: ``\\*\\*(?=\\S)(.+?)(?<=\\S)\\*\\*`` is
``\\*\\*S(?:.*?S)??\\*\\*`` with ``S`` a non-space (the shortest span that starts and ends on one).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .style import STYLE_FEATURES, style_of

__all__ = ["style_columns", "style_features"]


def _ranges(characters: list[str]) -> str:
    """A regex class body listing ``characters`` as ``\\x{..}`` ranges."""
    codes = sorted(ord(c) for c in characters)
    parts: list[str] = []
    start = previous = codes[0]
    for code in [*codes[1:], -1]:
        if code != previous + 1:
            parts.append(f"\\x{{{start:x}}}" if start == previous else f"\\x{{{start:x}}}-\\x{{{previous:x}}}")
            start = code
        previous = code
    return "".join(parts)


@functools.cache
def _patterns() -> dict[str, str]:
    """Polars (Rust) patterns equal to :mod:`.style`'s Python ones, from Python's tables."""
    everything = map(chr, range(0x110000))
    space = _ranges([c for c in everything if c.isspace()])
    digit = _ranges([c for c in map(chr, range(0x110000)) if c.isdecimal()])
    blank, solid = f"[{space}]", f"[^{space}]"
    return {
        "length_words": f"{solid}+",
        "headers": f"(?m)^ {{0,3}}#{{1,6}} +{solid}",
        "list_items": f"(?m)^{blank}*(?:[-*+]|[{digit}]+[.)]) +{solid}",
        "bold": f"(?s)\\*\\*{solid}(?:.*?{solid})??\\*\\*|__{solid}(?:.*?{solid})??__",
        "by_line": "```|~~~|[\\r\\x0b\\x0c\\x1c\\x1d\\x1e\\x85\\x{2028}\\x{2029}]",
    }


def _series(texts: Sequence[str]) -> Any:
    """The texts as an Arrow-backed Polars string column, or None if one cannot be encoded."""
    import polars as pl

    try:
        return pl.Series("text", texts, dtype=pl.String, strict=True)
    except (UnicodeEncodeError, TypeError, ValueError, pl.exceptions.PolarsError):
        return None  # a lone surrogate (or not text): the caller measures text by text


def style_columns(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Each style feature of every text, as float64 columns in the texts' order.

    >>> style_columns(["# Title\\n\\n- **one**\\n- two", "plain words here"])["length_words"].tolist()
    [6.0, 3.0]
    """
    import polars as pl

    n = len(texts)
    out = {name: np.zeros(n, dtype=np.float64) for name in STYLE_FEATURES}
    if n == 0:
        return out
    column = _series(texts)
    if column is None:  # a text Arrow cannot hold: the others still go through the engine
        held = [i for i, text in enumerate(texts) if _encodable(text)]
        if held:
            measured = style_columns([texts[i] for i in held])
            for name in STYLE_FEATURES:
                out[name][held] = measured[name]
        return _by_text(texts, sorted(set(range(n)) - set(held)), out)
    patterns = _patterns()
    counted = pl.DataFrame([column]).select(
        pl.col("text").str.len_chars().alias("length_chars"),
        *(pl.col("text").str.count_matches(patterns[name]).alias(name)
          for name in ("length_words", "headers", "list_items", "bold")),
        pl.col("text").str.contains(patterns["by_line"]).alias("by_line"))
    for name in ("length_chars", "length_words", "headers", "list_items", "bold"):
        out[name][:] = counted[name].to_numpy()
    by_line = np.flatnonzero(counted["by_line"].to_numpy())
    return _by_text(texts, by_line.tolist(), out) if len(by_line) else out


def style_features(texts: Iterable[str]) -> pd.DataFrame:
    """Style features of many responses, one row each, columns :data:`STYLE_FEATURES` (float64)."""
    columns = style_columns(list(texts))
    return pd.DataFrame({name: columns[name] for name in STYLE_FEATURES}, columns=list(STYLE_FEATURES))


def _encodable(text: Any) -> bool:
    """Whether ``text`` is a string UTF-8 can encode (no lone surrogate)."""
    if not isinstance(text, str):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _by_text(texts: Sequence[str], positions: Any, out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Measure the texts at ``positions`` with :func:`style_of` (the reference definition)."""
    for position in positions:
        for name, value in style_of(texts[position]).items():
            out[name][position] = value
    return out
