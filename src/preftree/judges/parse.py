"""Reading a verdict from a judge's completion: a pure function, documented by its examples."""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["PARSERS", "parse_bracket_verdict", "parse_verdict"]

_LETTERS: dict[str, Literal["A", "B", "C"]] = {"A": "A", "B": "B", "C": "C"}

_LEADING = re.compile(r"^[\s#*_>`\"'\-:|~]+")
_VERDICT = re.compile(
    r"^(?:\[\[)?(?:response|assistant|option)?\s*\(?([ab])\)?(?:\]\])?"
    r"(?=\s*$|\s*\n|\s*[.,:;!)*_\]'\"]|\s+is\b|\s+wins\b)", re.IGNORECASE)


def parse_verdict(completion: str | None) -> Literal["A", "B"] | None:
    """``"A"`` or ``"B"`` when the completion starts with a verdict, else ``None``.

    Leading markdown (``#``, ``*``, ``>``, quotes) and case are ignored; a bare letter (a
    one-token answer) counts; anything else — including prose that merely starts with the word
    "A" — is unparsable, never guessed.

    >>> parse_verdict("A is the better response because it is correct.")
    'A'
    >>> parse_verdict("**B is the better response**")
    'B'
    >>> parse_verdict("## b is the better response")
    'B'
    >>> parse_verdict("> Response A is better.")
    'A'
    >>> parse_verdict("B")
    'B'
    >>> parse_verdict("[[A]]")
    'A'
    >>> parse_verdict("A good question! Both responses ...") is None
    True
    >>> parse_verdict("Both responses are equally good.") is None
    True
    >>> parse_verdict("") is None
    True
    """
    if not completion:
        return None
    text = _LEADING.sub("", completion)
    match = _VERDICT.match(text)
    return None if match is None else ("A" if match.group(1).upper() == "A" else "B")


_BRACKETS = re.compile(r"\[\[\s*([ABC])\s*\]\]", re.IGNORECASE)


def parse_bracket_verdict(completion: str | None) -> Literal["A", "B", "C"] | None:
    """The last ``[[A]]``, ``[[B]]`` or ``[[C]]`` (a tie) of a completion that reasons first and
    gives its verdict at the end (MT-Bench's pairwise format); ``None`` when there is none.

    >>> parse_bracket_verdict("A is longer, but B is right. Final verdict: [[B]]")
    'B'
    >>> parse_bracket_verdict("Both are fine. [[C]]")
    'C'
    >>> parse_bracket_verdict("I would say [[A]] at first... no: [[B]]")
    'B'
    >>> parse_bracket_verdict("Assistant A is better.") is None
    True
    """
    if not completion:
        return None
    found = _BRACKETS.findall(completion)
    return _LETTERS.get(str(found[-1]).upper()) if found else None


PARSERS = {"leading": parse_verdict, "brackets": parse_bracket_verdict}
"""How a prompt's answers are read: the verdict first ("A is the better response"), or a
``[[A]]``/``[[B]]``/``[[C]]`` verdict at the end."""
