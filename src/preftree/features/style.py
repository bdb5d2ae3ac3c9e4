"""Built-in style features computed from a response's text alone.

Modelled on Chatbot Arena's style control (length plus markdown headers, lists and bold), with
fenced code removed before markdown is counted, as Arena does. Formulas, per response:

- ``length_chars``: ``len(text)`` (Unicode code points).
- ``length_words``: the number of whitespace-separated tokens, ``len(text.split())``.
- ``headers``: lines matching ``^ {0,3}#{1,6} +\\S`` (ATX headers, any level) outside code.
- ``list_items``: lines matching ``^\\s*([-*+]|\\d+[.)]) +\\S`` (bulleted and numbered) outside code.
- ``bold``: spans ``**x**`` or ``__x__`` outside code.
- ``code_blocks``: fenced code blocks (`````` or ``~~~``); an unclosed fence counts as one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["STYLE_FEATURES", "style_features", "style_of"]

STYLE_FEATURES = ("length_chars", "length_words", "headers", "list_items", "bold", "code_blocks")

_FENCE = re.compile(r"^ {0,3}(```|~~~)", re.MULTILINE)
_HEADER = re.compile(r"^ {0,3}#{1,6} +\S", re.MULTILINE)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)]) +\S", re.MULTILINE)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__", re.DOTALL)


def _split_code(text: str) -> tuple[str, int]:
    """The text with fenced code blocks removed, and the number of blocks."""
    prose: list[str] = []
    blocks = 0
    inside = False
    for line in text.splitlines():
        if _FENCE.match(line):
            if not inside:
                blocks += 1
            inside = not inside
            continue
        if not inside:
            prose.append(line)
    return "\n".join(prose), blocks


def style_of(text: str) -> dict[str, int]:
    """The style features of one response.

    >>> style_of("# Title\\n\\n- **one**\\n- two\\n\\n```py\\n# not a header\\n```")
    {'length_chars': 50, 'length_words': 12, 'headers': 1, 'list_items': 2, 'bold': 1, 'code_blocks': 1}
    """
    prose, blocks = _split_code(text)
    return {
        "length_chars": len(text),
        "length_words": len(text.split()),
        "headers": len(_HEADER.findall(prose)),
        "list_items": len(_LIST_ITEM.findall(prose)),
        "bold": len(_BOLD.findall(prose)),
        "code_blocks": blocks,
    }


def style_features(texts: Iterable[str]) -> pd.DataFrame:
    """Style features of many responses, one row each, columns :data:`STYLE_FEATURES` (the
    numbers of :func:`style_of`, computed over whole columns: :func:`style_columns`)."""
    return pd.DataFrame(style_columns(texts), columns=list(STYLE_FEATURES), dtype=np.float64)


_PY_SPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
"""Python's whitespace (``str.split``, ``\\s`` on text): RE2's ``\\s`` is narrower, so it is spelled out."""


def _re2_class(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


_SPACE = _re2_class(_PY_SPACE)
_RE2 = {  # the same patterns as the Python ones above, in RE2 syntax, with Python's character classes;
    # Arrow counts by searching again from where a match ended, where ^ would match mid-line, so a
    # line pattern takes the rest of its line ([^\n]*): the next search starts at a line end
    "length_words": f"[^{_SPACE}]+",
    "headers": f"(?m)^ {{0,3}}#{{1,6}} +[^{_SPACE}][^\\n]*",
    "list_items": f"(?m)^[{_SPACE}]*(?:[-*+]|\\p{{Nd}}+[.)]) +[^{_SPACE}][^\\n]*",
}
_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""Line ends ``str.splitlines`` honours besides ``\\n``: a text with one is read line by line in Python."""


def style_columns(texts: Iterable[str]) -> dict[str, np.ndarray]:
    """:data:`STYLE_FEATURES` of many responses as numeric columns, the same numbers as
    :func:`style_of` on each. Lengths, words, headers and list items are counted over the whole
    column by Arrow's compute kernels (RE2); only the texts that need Python's own reading go
    through it: fenced code (prose is what lies outside), other line breaks, and bold (a
    look-around RE2 has not)."""
    values = texts if isinstance(texts, list) else list(texts)
    columns = {name: np.zeros(len(values), dtype=np.int64) for name in STYLE_FEATURES}
    if not values:
        return columns
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        array = pa.array(values, type=pa.large_string())
    except (UnicodeEncodeError, pa.ArrowException, TypeError):  # a lone surrogate, a non-string
        return _python_columns(values)
    columns["length_chars"] = pc.utf8_length(array).to_numpy(zero_copy_only=False).astype(np.int64)
    for name, pattern in _RE2.items():
        columns[name] = pc.count_substring_regex(array, pattern).to_numpy(zero_copy_only=False).astype(np.int64)
    fenced = pc.or_(pc.match_substring(array, "```"), pc.match_substring(array, "~~~"))
    breaks = pc.match_substring_regex(array, f"[{_re2_class(_LINE_BREAKS)}]")
    python_rows = np.flatnonzero(pc.or_(fenced, breaks).to_numpy(zero_copy_only=False))
    bold_rows = np.flatnonzero(pc.or_(pc.match_substring(array, "**"), pc.match_substring(array, "__"))
                               .to_numpy(zero_copy_only=False))
    for row in bold_rows:
        columns["bold"][row] = len(_BOLD.findall(values[row]))
    for row in python_rows:  # prose is what lies outside fenced code, line by line
        for name, value in style_of(values[row]).items():
            columns[name][row] = value
    return columns


def _python_columns(values: list[str]) -> dict[str, np.ndarray]:
    rows = [style_of(t) for t in values]
    return {name: np.array([r[name] for r in rows], dtype=np.int64) for name in STYLE_FEATURES}
