"""Reading a verdict from a judge's completion: a pure function, documented by its examples."""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["parse_verdict"]

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
    return None if match is None else match.group(1).upper()  # type: ignore[return-value]
