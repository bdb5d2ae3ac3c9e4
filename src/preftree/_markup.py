"""Text from the data made inert for Markdown output, shared by the report and the leaderboard."""

from __future__ import annotations

import operator
import re
from typing import Any

__all__ = ["csv_cell", "csv_frame", "md_cell", "md_escape", "plain_line", "terminal_text", "uncsv_cell"]


_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
"""A spreadsheet reads a cell starting with = + - @ (or a tab or CR before them) as a formula;
the quotes before it are the ones preftree added (so one more is added, and one removed)."""


def _unsafe(c: str) -> bool:
    """Control characters (C0 but tab and newline, DEL, C1) and invisible format characters
    (bidi overrides such as U+202E, zero-width joiners, line and paragraph separators)."""
    import unicodedata

    code = ord(c)
    return (code < 32 and c not in "\t\n") or 127 <= code < 160 or \
        unicodedata.category(c) in ("Cf", "Zl", "Zp")


def terminal_text(text: object) -> str:
    r"""Text from the data made safe to print, lines kept: every control or invisible format
    character (an escape sequence, a bell, a right-to-left override) shown as "?", so a value
    can neither drive the terminal nor disguise what is printed.

    >>> terminal_text("a\x1b]0;pwned\x07b\nc\u202ed")
    'a?]0;pwned?b\nc?d'
    """
    return "".join("?" if _unsafe(c) else c for c in str(text))


def plain_line(text: object) -> str:
    r"""Text from the data on one line, safe to print (:func:`terminal_text`): an escape
    sequence in a model name cannot set a terminal's title or colours, nor break a table row.

    >>> plain_line("a\x1b]0;pwned\x07b\nc")
    'a?]0;pwned?b c'
    """
    return terminal_text(" ".join(str(text).split()))


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: control and format characters become "?",
    and a cell that would start a formula gets a leading "'" (numbers are left as they are).

    >>> csv_cell("=HYPERLINK(1)"), csv_cell("-1"), csv_cell("@SUM(1)"), csv_cell(3)
    ("'=HYPERLINK(1)", '-1', "'@SUM(1)", 3)
    """
    if not isinstance(value, str):
        return value
    if not (value.isascii() and value.isprintable()):  # printable ASCII has nothing to replace
        value = "".join("?" if _unsafe(c) and c not in "\t\r" else c for c in value)
    if _FORMULA.match(value):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def uncsv_cell(value: str) -> str:
    """A text cell of a CSV preftree wrote, as it was before :func:`csv_cell` (one added "'"
    before a formula character removed), so ids round-trip."""
    if value.startswith("'") and _FORMULA.match(value[1:]):
        try:
            float(value[1:])
        except ValueError:
            return value[1:]
    return value


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_FORMULA_LINE = re.compile(r"(?:\A|\n)'*[=+\-@]")


def _left_as_they_are(values: list[Any]) -> bool:
    """Whether :func:`csv_cell` would return every one of ``values`` unchanged, known for sure
    without a call per cell: all are text of printable ASCII (or newlines) and no line starts like
    a formula. ``False`` only means "look at each cell"."""
    try:
        joined = "\n".join(values)
    except TypeError:  # a number or None among them
        return False
    return joined.isascii() and not _CONTROL.search(joined) and not _FORMULA_LINE.search(joined)


def csv_frame(frame: Any, *, index: bool = False) -> Any:
    """``frame`` with every text cell, column name and (with ``index``) index label made safe
    by :func:`csv_cell`: what preftree writes to any CSV."""
    import pandas as pd
    from pandas.api.types import is_numeric_dtype

    safe = frame.copy()
    for position, column in enumerate(safe.columns):
        if not is_numeric_dtype(safe[column].dtype):  # object, string and category columns
            values = safe.iloc[:, position].tolist()
            if _left_as_they_are(values):  # a million plain ids: two scans of one joined string
                continue
            cells = list(map(csv_cell, values))  # one C-level pass, not Series.map
            if any(map(operator.is_not, cells, values)):
                safe.isetitem(position, pd.Series(cells, index=safe.index, dtype=object))
    safe.columns = [csv_cell(str(c)) for c in safe.columns]
    if index:
        safe.index = [csv_cell(str(i)) for i in safe.index]
    return safe


_INLINE = set("\\`*[]|~")
"""Characters that act anywhere in a line: emphasis, code, links, table bars, strike-through."""

_BLOCK_START = re.compile(r"^(?:#{1,6}|[-+*]|=+|\d{1,9}[.)])(?=\s|$)")
"""What makes a line a header, list item, quote or setext underline: acts at a line's start only."""


def _inert(plain: str) -> str:
    """Escape only what acts: HTML special characters as entities, the inline punctuation, an
    underscore that can open or close emphasis (not one inside a word: ``rmb_matched`` stays),
    and a block marker at the start."""
    plain = plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = []
    for i, c in enumerate(plain):
        if c in _INLINE:
            out.append("\\" + c)
        elif c == "_" and not (0 < i < len(plain) - 1 and plain[i - 1].isalnum() and plain[i + 1].isalnum()):
            out.append("\\_")
        else:
            out.append(c)
    text = "".join(out)
    start = _BLOCK_START.match(text)  # ">" is "&gt;" by now: an entity never opens a quote
    if start:
        marker = start.group(0)
        text = (marker[:-1] + "\\" + marker[-1] if marker[-1] in ".)" else "\\" + marker[0] + marker[1:]) \
            + text[len(marker):]
    return text


def md_escape(text: object) -> str:
    """Text from the data as inert Markdown, on one line, escaped no more than needed (a file
    name reads as itself: ``rmb_matched.jsonl (387 pairs)``).

    >>> print(md_escape("<script>alert(1)</script> *bold* [x](y) a|b rmb_matched.jsonl (387)"))
    &lt;script&gt;alert(1)&lt;/script&gt; \\*bold\\* \\[x\\](y) a\\|b rmb_matched.jsonl (387)
    >>> print(md_escape("# not a header")), print(md_escape("1. not a list")), print(md_escape("_x_"))
    \\# not a header
    1\\. not a list
    \\_x\\_
    (None, None, None)
    """
    return _inert(plain_line(text))


def md_cell(text: object) -> str:
    """A table cell made inert: as :func:`md_escape` (numbers as they are).

    >>> md_cell("72.5"), md_cell("<b>x</b>"), md_cell("org/Model-2.5_[x](y)|z")
    ('72.5', '&lt;b&gt;x&lt;/b&gt;', 'org/Model-2.5\\\\_\\\\[x\\\\](y)\\\\|z')
    """
    plain = plain_line(text)
    try:
        float(plain)
    except ValueError:
        return _inert(plain)
    return plain
