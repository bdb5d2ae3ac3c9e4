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

__all__ = ["STYLE_FEATURES", "style_of"]

STYLE_FEATURES = ("length_chars", "length_words", "headers", "list_items", "bold", "code_blocks")

_FENCE = re.compile(r"^ {0,3}(```|~~~)", re.MULTILINE)
_HEADER = re.compile(r"^ {0,3}#{1,6} +\S", re.MULTILINE)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)]) +\S", re.MULTILINE)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__", re.DOTALL)


_OTHER_BREAK = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
"""Line ends ``str.splitlines`` honours besides ``\\n``: such a text is read line by line."""


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
    if "```" in text or "~~~" in text or _OTHER_BREAK.search(text):
        prose, blocks = _split_code(text)
    else:  # no fence and only \n line ends: the prose is the text (a final newline counts for nothing)
        prose, blocks = text, 0
    return {
        "length_chars": len(text),
        "length_words": len(text.split()),
        "headers": len(_HEADER.findall(prose)),
        "list_items": len(_LIST_ITEM.findall(prose)),
        "bold": len(_BOLD.findall(prose)),
        "code_blocks": blocks,
    }
