"""Text from the data made inert for Markdown output, shared by the report and the leaderboard."""

from __future__ import annotations

__all__ = ["md_escape", "md_cell", "plain_line"]


def plain_line(text: object) -> str:
    r"""Text from the data on one line with its control characters shown as "?": an escape
    sequence in a model name cannot set a terminal's title or colours, nor break a table row.

    >>> plain_line("a\x1b]0;pwned\x07b\nc")
    'a?]0;pwned?b c'
    """
    joined = " ".join(str(text).split())
    return "".join("?" if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in joined)

_MARKDOWN_PUNCTUATION = set("\\`*_{}[]()#+-.!|~>")


def md_escape(text: object) -> str:
    """Text from the data as inert Markdown: HTML special characters become entities (renderers
    pass raw HTML through) and Markdown punctuation is backslash-escaped; one line.

    >>> print(md_escape("<script>alert(1)</script> *bold* [x](y) a|b"))
    &lt;script&gt;alert\\(1\\)&lt;/script&gt; \\*bold\\* \\[x\\]\\(y\\) a\\|b
    """
    plain = plain_line(text)
    plain = plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join("\\" + c if c in _MARKDOWN_PUNCTUATION else c for c in plain)


_CELL_PUNCTUATION = set("\\`*_[]|~")


def md_cell(text: object) -> str:
    """A table cell made inert: HTML entities, and the punctuation that acts inside a cell
    (emphasis, code, links, the column bar) escaped; hyphens and dots of names left readable.

    >>> md_cell("72.5"), md_cell("<b>x</b>"), md_cell("org/Model-2.5_[x](y)|z")
    ('72.5', '&lt;b&gt;x&lt;/b&gt;', 'org/Model-2.5\\\\_\\\\[x\\\\](y)\\\\|z')
    """
    plain = plain_line(text)
    try:
        float(plain)
    except ValueError:
        plain = plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return "".join("\\" + c if c in _CELL_PUNCTUATION else c for c in plain)
    return plain
