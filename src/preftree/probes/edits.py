"""The edits a probe makes to one response, each deterministic given a seed.

A probe changes one thing about a response and, as far as text allows, nothing else: ``length``
appends content-free sentences, ``markdown`` lays the same sentences out as markdown, ``plain``
strips markdown, and the insertion probes add one fixed sentence that carries no information.
The null edit (a line break in place of a space) is the control every flip rate is read against.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "EDIT_SLACK",
    "FILLER",
    "LENGTH_MATCHED",
    "MAX_EDIT_GROWTH",
    "NULL",
    "TextProbe",
    "edit_bound",
    "filler",
    "insertion",
    "length_edit",
    "markdown_edit",
    "null_edit",
    "plain_edit",
]

Edit = Callable[[str, str, random.Random], str]
"""``edit(text, other, rng) -> edited text``: ``other`` is the response it is compared with."""


@dataclass(frozen=True)
class TextProbe:
    """A probe that edits the response it targets (the judge's loser, or its winner).

    ``features`` names the style or attribute features whose tree importance the probe tests, so
    a report can put them side by side; ``example`` is an (input, output) pair for the docs.
    """

    name: str
    edit: Edit
    description: str
    features: tuple[str, ...] = ()
    appends: bool = False  # the edit keeps the original text as a prefix (prefix sharing applies)
    example: tuple[str, str] = field(default=("", ""), compare=False)


FILLER = (
    "I hope this helps.",
    "Let me know if you have any other questions.",
    "Thank you for reading.",
    "Feel free to ask if anything is unclear.",
    "That is all for now.",
    "I appreciate your patience.",
    "Please reach out again if needed.",
    "Have a good day.",
)
"""Content-free sentences ``length`` appends (none says anything about the question)."""

LENGTH_MARGIN = 0.2
MAX_EDIT_GROWTH = 8
"""An edit's output is at most this many times the longer of the two responses (plus
:data:`EDIT_SLACK` characters): a chain of rules that doubles a text 40 times is refused, not run."""
EDIT_SLACK = 4096


def edit_bound(text: str, other: str) -> int:
    """The longest output an edit of ``text`` (against ``other``) may produce."""
    return MAX_EDIT_GROWTH * max(len(text), len(other)) + EDIT_SLACK


def length_edit(text: str, other: str, rng: random.Random, margin: float = LENGTH_MARGIN) -> str:
    """Append filler sentences until ``text`` is longer than ``other`` by ``margin`` (in
    characters), and at least one sentence.

    >>> length_edit("Paris.", "The capital of France is Paris.", random.Random(0))[:6]
    'Paris.'
    >>> len(length_edit("Paris.", "x" * 40, random.Random(0))) > 48
    True
    """
    target = (1 + margin) * len(other)
    parts = [text.rstrip()]
    size = len(parts[0])
    while True:
        sentence = FILLER[rng.randrange(len(FILLER))]
        parts.append(sentence)
        size += 1 + len(sentence)
        if size > target:
            return parts[0] + ("\n\n" if parts[0] else "") + " ".join(parts[1:])


def filler(size: int, rng: random.Random) -> str:
    """Content-free sentences of about ``size`` characters (cut at a word, never longer): the
    length-matched null of an edit that adds ``size`` characters of its own.

    >>> len(filler(40, random.Random(0))) <= 40 and len(filler(40, random.Random(0))) > 30
    True
    """
    words: list[str] = []
    total = -1
    while size > 0:
        sentence = FILLER[rng.randrange(len(FILLER))]
        for word in sentence.split():
            if total + 1 + len(word) > size:
                return " ".join(words)
            words.append(word)
            total += 1 + len(word)
    return ""


LENGTH_MATCHED = "~length-matched"
"""Suffix of the probe name under which an edit's length-matched null is asked: the same target
with as many characters of filler appended as the edit added, so a flip that comes from the
added length alone shows in both."""


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)")
_MARKUP_LINE = re.compile(r"^\s{0,3}(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s?)")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.DOTALL)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_CODE_SPAN = re.compile(r"`([^`\n]*)`")


def plain_edit(text: str, other: str = "", rng: random.Random | None = None) -> str:
    """The same words without markdown: headers, list markers, bold, links and code spans go;
    lines are joined into paragraphs.

    >>> plain_edit("## Steps\\n- **Boil** water.\\n- Add [tea](http://x).")
    'Steps\\nBoil water.\\nAdd tea.'
    """
    lines = []
    for line in text.splitlines():
        if line.strip().startswith(("```", "~~~")):
            continue
        line = _MARKUP_LINE.sub("", line)
        line = _EMPHASIS.sub(r"\2", line)
        line = _LINK.sub(r"\1", line)
        lines.append(_CODE_SPAN.sub(r"\1", line).rstrip())
    return "\n".join(lines).strip()


def _sentences(text: str) -> list[str]:
    return [s.strip() for part in text.splitlines() for s in _SENTENCE.split(part) if s.strip()]


def _bold_key_phrase(sentence: str) -> str:
    """Bold the sentence's longest word (its key phrase, by a rule that needs no model)."""
    words = re.findall(r"[^\W\d_][\w'-]*", sentence)
    if not words:
        return sentence
    key = max(words, key=len)
    return sentence.replace(key, f"**{key}**", 1)


def markdown_edit(text: str, other: str = "", rng: random.Random | None = None) -> str:
    """The same sentences as markdown: the first as a header, the rest as list items, the longest
    word of each item in bold. Markdown already there is stripped first.

    >>> print(markdown_edit("Tea needs hot water. Boil it first. Then steep for three minutes."))
    ## Tea needs hot water.
    - Boil it **first**.
    - Then steep for three **minutes**.
    """
    sentences = _sentences(plain_edit(text))
    if not sentences:
        return text
    if len(sentences) == 1:
        return f"- {_bold_key_phrase(sentences[0])}"
    return "\n".join([f"## {sentences[0]}"] + [f"- {_bold_key_phrase(s)}" for s in sentences[1:]])


def null_edit(text: str, other: str = "", rng: random.Random | None = None) -> str:
    """A meaning-free whitespace change of the same length: the first sentence break (else the
    first space) becomes a line break; a text without spaces gets a trailing space.

    >>> null_edit("One. Two three.")
    'One.\\nTwo three.'
    """
    for old, new in ((". ", ".\n"), (" ", "\n")):
        if old in text:
            return text.replace(old, new, 1)
    return text + " "


def insertion(prefix: str = "", suffix: str = "") -> Edit:
    """An edit that adds a fixed sentence before and/or after the response."""

    def edit(text: str, other: str, rng: random.Random) -> str:
        return f"{prefix}{text}{suffix}"

    return edit


NULL = TextProbe("null-edit", null_edit, "A line break in place of a space: the control edit.",
                 example=("Boil water. Add tea.", "Boil water.\nAdd tea."))
