"""The judge prompt: a conversation, then "Response A" and "Response B", with the answer format fixed
so the verdict can be read from the first words (the design of RLHFlow's collection script).

Templates are plain text with three placeholders, ``{conversation}``, ``{response_a}`` and
``{response_b}``, replaced literally (other braces in a template are left alone).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..data.model import Prompt
from ..errors import InputError

__all__ = ["DEFAULT_TEMPLATE", "JudgePrompt", "format_conversation"]

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


@dataclass(frozen=True)
class JudgePrompt:
    """A template (and optional system message) that turns a pair into chat messages."""

    template: str = DEFAULT_TEMPLATE
    system: str | None = None

    def __post_init__(self) -> None:
        missing = [p for p in PLACEHOLDERS if p not in self.template]
        if missing:
            raise InputError(f"the judge template lacks {', '.join(missing)}")

    @classmethod
    def from_file(cls, path: str | Path, system: str | None = None) -> JudgePrompt:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the template ({exc.strerror})", path=path) from None
        try:
            return cls(text, system)
        except InputError as exc:
            raise InputError(str(exc), path=path) from None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(f"{self.system}\0{self.template}".encode()).hexdigest()

    def render(self, prompt: Prompt, response_a: str, response_b: str) -> list[dict[str, str]]:
        """Chat messages asking which of ``response_a`` and ``response_b`` is better."""
        text = self.template.replace("{conversation}", format_conversation(prompt))
        # responses last, so text inside them is never taken for a placeholder
        text = text.replace("{response_a}", "\0A\0").replace("{response_b}", "\0B\0")
        text = text.replace("\0A\0", response_a).replace("\0B\0", response_b)
        messages = [{"role": "system", "content": self.system}] if self.system else []
        return [*messages, {"role": "user", "content": text}]
