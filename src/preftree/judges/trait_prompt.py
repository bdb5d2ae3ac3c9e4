"""Asking an annotator about traits: the request (one trait, or a numbered list of them) and the
reading of its answer, which is validated whole — a malformed answer is never half-read."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .._inputs import TEMPLATE_LIMIT, read_input_text
from ..data.model import Prompt
from ..errors import InputError
from ..features.traits import Trait
from .prompt import format_conversation

__all__ = ["DEFAULT_TRAIT_TEMPLATE", "TraitPrompt", "parse_trait_answers"]

DEFAULT_TRAIT_TEMPLATE = """\
Below is a conversation between a user and an AI assistant, then two candidate replies for the \
assistant's next turn ("<|USER|>" starts a user message, "<|ASSISTANT|>" an assistant message).
For each numbered question, answer A (Response A), B (Response B) or C (neither, or both equally). \
Answer with one line per question and nothing else, in the form "1: A".

### Conversation
{conversation}

### Response A
{response_a}

### Response B
{response_b}

### Questions
{traits}"""

SINGLE_TRAIT_TEMPLATE_HINT = "[[A]], [[B]] or [[C]] (neither)"
_LINE = re.compile(r"^\s*\(?(\d{1,4})\s*[:.)\]-]\s*(?:\[\[)?\s*([ABC])\s*(?:\]\])?\s*[.!]?\s*$", re.IGNORECASE)
_BRACKETS = re.compile(r"\[\[\s*([ABC])\s*\]\]", re.IGNORECASE)


def parse_trait_answers(completion: str | None, n: int, *, single: bool = False) -> list[str] | None:
    """The annotator's letter per question (``A``, ``B``, ``C``), or ``None`` when the answer is
    not exactly one readable letter for each of the ``n`` questions.

    >>> parse_trait_answers("1: A\\n2: C\\n3: b", 3)
    ['A', 'C', 'B']
    >>> parse_trait_answers("1: A\\n3: B", 3) is None  # a question left out
    True
    >>> parse_trait_answers("1: A\\n1: B\\n2: C", 2) is None  # one question answered twice
    True
    >>> parse_trait_answers("It is concise. [[B]]", 1, single=True)
    ['B']
    """
    if not completion:
        return None
    if single:
        found = _BRACKETS.findall(completion)
        return [found[-1].upper()] if found and len({f.upper() for f in found}) == 1 else None
    answers: dict[int, str] = {}
    for line in completion.strip().splitlines():
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            return None
        number = int(match.group(1))
        if number in answers or not 1 <= number <= n:
            return None
        answers[number] = match.group(2).upper()
    return [answers[i] for i in range(1, n + 1)] if len(answers) == n else None


@dataclass(frozen=True)
class TraitPrompt:
    """A trait template: ``{conversation}``, ``{response_a}``, ``{response_b}`` and either
    ``{traits}`` (a numbered list, answered one line each) or ``{trait}`` (one trait per request,
    answered ``[[A]]``, ``[[B]]`` or ``[[C]]``)."""

    template: str = DEFAULT_TRAIT_TEMPLATE
    system: str | None = None

    def __post_init__(self) -> None:
        missing = [p for p in ("{conversation}", "{response_a}", "{response_b}") if p not in self.template]
        has_list, has_one = "{traits}" in self.template, "{trait}" in self.template
        if missing or has_list == has_one:
            raise InputError("a trait template needs {conversation}, {response_a}, {response_b} and one of "
                             "{traits} (a numbered list) or {trait} (one trait per request)"
                             + (f"; missing {', '.join(missing)}" if missing else ""))

    @classmethod
    def from_file(cls, path: str | Path, system: str | None = None) -> TraitPrompt:
        return cls(read_input_text(path, limit=TEMPLATE_LIMIT, what="trait template"), system)

    @property
    def single(self) -> bool:
        """One trait per request."""
        return "{trait}" in self.template

    @property
    def sha256(self) -> str:
        return hashlib.sha256(f"{self.system or ''}\0{self.template}".encode()).hexdigest()

    def render(self, prompt: Prompt, first: str, second: str, traits: list[Trait]) -> list[dict[str, str]]:
        """The messages asking about ``traits`` for one presentation order; text from data is
        put in literally (one pass, so a response holding ``{traits}`` stays text)."""
        listed = "\n".join(f"{i}. Which response {t.description}?" for i, t in enumerate(traits, start=1))
        values = {"{conversation}": format_conversation(prompt), "{response_a}": first,
                  "{response_b}": second, "{traits}": listed,
                  "{trait}": f"Which response {traits[0].description}? Answer {SINGLE_TRAIT_TEMPLATE_HINT}."}
        pattern = re.compile("|".join(re.escape(k) for k in values))
        content = pattern.sub(lambda m: values[m.group(0)], self.template)
        messages = [{"role": "system", "content": self.system}] if self.system else []
        return [*messages, {"role": "user", "content": content}]
