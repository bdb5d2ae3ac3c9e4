"""Text from the data made inert for Markdown output, shared by the report and the leaderboard."""

from __future__ import annotations

import re

__all__ = ["md_escape", "md_cell", "plain_line"]


def plain_line(text: object) -> str:
    r"""Text from the data on one line with its control characters shown as "?": an escape
    sequence in a model name cannot set a terminal's title or colours, nor break a table row.

    >>> plain_line("a\x1b]0;pwned\x07b\nc")
    'a?]0;pwned?b c'
    """
    joined = " ".join(str(text).split())
    return "".join("?" if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in joined)

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
