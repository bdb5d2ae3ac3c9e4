"""Column names made from free text (a trait's description, a principle): lower case, words joined
by ``_``, unique within a set."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["MAX_TRAITS", "slug", "unique_slugs"]

MAX_TRAITS = 500
"""Most traits preftree asks about or reads (each is a question per pair, and a feature of every tree)."""


def slug(text: str) -> str:
    """A column name for a text.

    >>> slug("Select the response that uses more bold / italics!")
    'select_the_response_that_uses_more_bold_italics'
    """
    return "_".join(re.findall(r"[a-z0-9]+", text.lower()))[:60] or "trait"


def unique_slugs(texts: Sequence[str]) -> list[str]:
    """One column name per text; repeats get ``_2``, ``_3``.

    >>> unique_slugs(["Is concise", "is concise!", "Lists"])
    ['is_concise', 'is_concise_2', 'lists']
    """
    names: list[str] = []
    for text in texts:
        base = slug(text.removeprefix("Select the response that ").removeprefix("select the response that "))
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}_{n}"
        names.append(name)
    return names
