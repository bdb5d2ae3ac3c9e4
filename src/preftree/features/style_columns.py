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
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .style import STYLE_FEATURES, style_of

__all__ = ["style_arrow", "style_columns", "style_features"]


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

    n = len(texts)
    out = {name: np.zeros(n, dtype=np.float64) for name in STYLE_FEATURES}
    if n == 0:
        return out
    sizes = np.fromiter((len(t) if isinstance(t, str) else 0 for t in texts), dtype=np.int64, count=n)
    if n > 1 and sizes.sum() > SLICE_CHARS:  # the engines' copies and masks grow with the bytes: a slice at a time
        for start, stop in _slices(sizes):
            for name, values in style_columns(texts[start:stop]).items():
                out[name][start:stop] = values
        return out
    column = _series(texts)
    if column is None:  # a text Arrow cannot hold: the others still go through the engine
        held = [i for i, text in enumerate(texts) if _encodable(text)]
        if held:
            measured = style_columns([texts[i] for i in held])
            for name in STYLE_FEATURES:
                out[name][held] = measured[name]
        return _by_text(texts, sorted(set(range(n)) - set(held)), out)
    by_line = _counted(column, out)
    return _by_text(texts, by_line.tolist(), out) if len(by_line) else out


SLICE_CHARS = 32 * 1024 ** 2
"""Most text measured at once: the engines' work arrays are several times the text."""


def _slices(sizes: np.ndarray, limit: int | None = None) -> list[tuple[int, int]]:
    """Consecutive (start, stop) ranges of texts of at most ``limit`` (:data:`SLICE_CHARS`) in all,
    a longer text alone."""
    limit = SLICE_CHARS if limit is None else limit
    out, start, total = [], 0, 0
    for position, size in enumerate(sizes.tolist()):
        if position > start and total + size > limit:
            out.append((start, position))
            start, total = position, 0
        total += size
    out.append((start, len(sizes)))
    return out


def style_arrow(texts: Any) -> dict[str, np.ndarray]:
    """:func:`style_columns` of an Arrow string array without nulls (a Parquet column's), read by
    Polars from the Arrow buffers: no Python string but for the few texts measured one by one."""
    import polars as pl
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(texts.type):
        texts = texts.cast(texts.type.value_type)
    out = {name: np.zeros(len(texts), dtype=np.float64) for name in STYLE_FEATURES}
    if len(texts) == 0:
        return out
    sizes = pc.binary_length(texts).to_numpy(zero_copy_only=False).astype(np.int64)
    if len(texts) > 1 and sizes.sum() > SLICE_CHARS:
        for start, stop in _slices(sizes):
            for name, values in style_arrow(texts.slice(start, stop - start)).items():
                out[name][start:stop] = values
        return out
    by_line = _counted(pl.Series("text", texts).cast(pl.String), out)
    if len(by_line):
        _by_text(dict(zip(by_line.tolist(), texts.take(pa.array(by_line)).to_pylist())), by_line.tolist(), out)
    return out


def _counted(column: Any, out: dict[str, np.ndarray]) -> np.ndarray:
    """The engine's counts of a Polars string column into ``out``; the positions of the texts
    only :func:`style_of` measures (fences, other line ends)."""
    import polars as pl

    patterns = _patterns()
    counted = pl.DataFrame([column]).select(
        pl.col("text").str.len_chars().alias("length_chars"),
        *(pl.col("text").str.count_matches(patterns[name]).alias(name) for name in ("headers", "list_items", "bold")),
        pl.col("text").str.contains(patterns["by_line"]).alias("by_line"))
    for name in ("length_chars", "headers", "list_items", "bold"):
        out[name][:] = counted[name].to_numpy()
    words, unsure = _word_counts(column.to_arrow())
    if unsure.any():  # a white space beyond ASCII: the regex, on those texts alone
        words[unsure] = column.filter(pl.Series(unsure)).str.count_matches(patterns["length_words"]).to_numpy()
    out["length_words"][:] = words
    return np.flatnonzero(counted["by_line"].to_numpy())


@functools.cache
def _wide_spaces() -> tuple[bytes, ...]:
    """The UTF-8 bytes of every character beyond ASCII that ``str.isspace`` calls white space."""
    return tuple(c.encode() for c in map(chr, range(128, 0x110000)) if c.isspace())


_ASCII_SPACE = np.zeros(256, dtype=bool)
_ASCII_SPACE[[ord(c) for c in map(chr, range(128)) if c.isspace()]] = True


def _word_counts(texts: Any) -> tuple[np.ndarray, np.ndarray]:
    """``len(text.split())`` of every text of an Arrow (large) string array, from its UTF-8 bytes:
    a word starts at a byte that is not white space after one that is (or at the text's start);
    every byte of a character beyond ASCII is part of a word, unless the character is one of the
    few wide white spaces, whose texts are marked ``unsure`` (the caller counts them by regex).
    A word count per text in a few passes over the bytes, not a regex match per word."""
    import pyarrow as pa

    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.float64), np.zeros(0, dtype=bool)
    large = pa.types.is_large_string(texts.type)
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64 if large else np.int32, count=n + 1,
                            offset=texts.offset * (8 if large else 4)).astype(np.int64)
    raw = texts.buffers()[2]
    data = (np.frombuffer(raw, dtype=np.uint8) if raw is not None else np.zeros(0, np.uint8))[offsets[0]:offsets[-1]]
    offsets -= offsets[0]
    starts_at = offsets[:-1]
    empty = starts_at == offsets[1:]
    if not len(data):
        return np.zeros(n, dtype=np.float64), np.zeros(n, dtype=bool)
    low = data <= 32
    odd_control = bool((data < 9).any()) or bool(((data >= 14) & (data <= 27)).any())
    space = _ASCII_SPACE[data] if odd_control else low  # bytes up to 32: white space but for rare controls
    begins = np.zeros(len(data) + 1, dtype=bool)  # one more, False: a word start per True
    begins[0] = not space[0]
    np.logical_and(~space[1:], space[:-1], out=begins[1:-1])
    first = starts_at[~empty]
    begins[first] = ~space[first]  # a text's first byte starts a word whatever ended the text before
    starts = np.flatnonzero(begins)  # a word per entry: memory follows the words, not the bytes
    counts = np.diff(np.searchsorted(starts, offsets)).astype(np.float64)
    unsure = np.zeros(n, dtype=bool)
    wide = _wide_spaces()
    leads = np.flatnonzero(data >= min(sequence[0] for sequence in wide))  # few in most texts
    for sequence in wide:
        at = leads[(data[leads] == sequence[0]) & (leads <= len(data) - len(sequence))]
        for shift, byte in enumerate(sequence[1:], start=1):
            at = at[data[at + shift] == byte]
        if len(at):
            unsure[np.searchsorted(offsets, at, side="right") - 1] = True
    return counts, unsure


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


def _by_text(texts: Sequence[str] | Mapping[int, str], positions: Any, out: dict[str, np.ndarray]
             ) -> dict[str, np.ndarray]:
    """Measure the texts at ``positions`` with :func:`style_of` (the reference definition)."""
    for position in positions:
        for name, value in style_of(texts[position]).items():
            out[name][position] = value
    return out
