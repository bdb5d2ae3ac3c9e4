"""The judge prompt: a conversation, then "Response A" and "Response B", with the answer format fixed
so the verdict can be read from the first words (the design of RLHFlow's collection script).

Templates are plain text with three placeholders, ``{conversation}``, ``{response_a}`` and
``{response_b}``, replaced literally (other braces in a template are left alone).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..data.model import Prompt
from ..errors import InputError

__all__ = ["DEFAULT_TEMPLATE", "PRESETS", "JudgePrompt", "format_conversation"]

PRESETS = ("mt-bench", "skywork-critic")

DEFAULT_TEMPLATE = """\
Below is a conversation between a user and an AI assistant, then two candidate replies for the \
assistant's next turn. In the conversation, every user message starts with "<|USER|>" and every \
assistant message with "<|ASSISTANT|>".
Decide which reply is better. Begin your answer with exactly "A is the better response" or \
"B is the better response", then explain why.

### Conversation
{conversation}

### Response A
{response_a}

### Response B
{response_b}"""

PLACEHOLDERS = ("{conversation}", "{response_a}", "{response_b}")


def format_conversation(prompt: Prompt) -> str:
    """The prompt's turns with role markers.

    >>> print(format_conversation([{"role": "user", "content": "Hi"},
    ...                            {"role": "assistant", "content": "Hello"},
    ...                            {"role": "user", "content": "Bye"}]))
    <|USER|>
    Hi
    <|ASSISTANT|>
    Hello
    <|USER|>
    Bye
    """
    turns = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    markers = {"user": "<|USER|>", "assistant": "<|ASSISTANT|>", "system": "<|SYSTEM|>"}
    return "\n".join(f"{markers.get(str(t['role']), '<|' + str(t['role']).upper() + '|>')}\n"
                     f"{t['content']}" for t in turns)


_PLACEHOLDER = re.compile(r"\{(conversation|response_a|response_b)\}")
"""The placeholders a judge template fills, in one pass (text from the data is never a template)."""


@dataclass(frozen=True)
class JudgePrompt:
    """A template (and optional system message) that turns a pair into chat messages."""

    template: str = DEFAULT_TEMPLATE
    system: str | None = None
    parser: str = "leading"  # how answers are read: see preftree.judges.parse.PARSERS

    def __post_init__(self) -> None:
        missing = [p for p in PLACEHOLDERS if p not in self.template]
        if missing:
            raise InputError(f"the judge template lacks {', '.join(missing)}")
        if self.parser not in ("leading", "brackets"):
            raise InputError(f"unknown verdict parser {self.parser!r}; known: leading, brackets")

    @classmethod
    def preset(cls, name: str) -> JudgePrompt:
        """A shipped judge prompt (``preftree/judges/templates``): ``preftree`` (the seed's design,
        verdict first), ``mt-bench`` (MT-Bench pairwise, [[A]]/[[B]]/[[C]] at the end) or
        ``skywork-critic`` (Skywork-Critic's card, [[A]]/[[B]])."""
        if name == "preftree":
            return cls()
        if name not in PRESETS:
            raise InputError(f"unknown judge template {name!r}; known: preftree, {', '.join(PRESETS)}")
        folder = resources.files("preftree.judges") / "templates"
        system_file = folder / f"{name}.system.txt"
        system = system_file.read_text(encoding="utf-8").strip() if system_file.is_file() else None
        return cls((folder / f"{name}.txt").read_text(encoding="utf-8").strip(), system, "brackets")

    def parse(self, completion: str | None) -> str | None:
        """The verdict of a completion: ``A``, ``B``, ``C`` (a tie, bracket prompts) or ``None``."""
        from .parse import PARSERS

        return PARSERS[self.parser](completion)

    @classmethod
    def from_file(cls, path: str | Path, system: str | None = None) -> JudgePrompt:
        from .._inputs import TEMPLATE_LIMIT, read_input_text

        text = read_input_text(path, limit=TEMPLATE_LIMIT, what="judge template")
        try:
            return cls(text, system)
        except InputError as exc:
            raise InputError(str(exc), path=path) from None

    @property
    def sha256(self) -> str:
        parser = "" if self.parser == "leading" else f"\0{self.parser}"  # journals of 0.1 stay valid
        return hashlib.sha256(f"{self.system}\0{self.template}{parser}".encode()).hexdigest()

    def render(self, prompt: Prompt, response_a: str, response_b: str) -> list[dict[str, str]]:
        """Chat messages asking which of ``response_a`` and ``response_b`` is better. One pass over
        the template only: a placeholder inside the prompt or a response is text, never filled."""
        values = {"conversation": format_conversation(prompt), "response_a": response_a, "response_b": response_b}
        text = _PLACEHOLDER.sub(lambda match: values[match.group(1)], self.template)
        messages = [{"role": "system", "content": self.system}] if self.system else []
        return [*messages, {"role": "user", "content": text}]
