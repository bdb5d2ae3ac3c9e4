"""Chat formatting: a (prompt, response) pair becomes the conversation a reward model reads.

The tokenizer's own chat template is used, or a template file the user names; a tokenizer without
one is an error, never a silent generic fallback. Texts are identified by a content hash of the
conversation, and the template by a hash of its source, so the cache can key on both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..data.model import Message, Prompt
from ..errors import InputError

__all__ = ["ChatFormatter", "conversation", "distinct_positions", "text_hash"]


def conversation(prompt: Prompt, response: str) -> list[dict[str, str]]:
    """The messages a reward model scores: the prompt's turns, then the response as the assistant's.

    >>> conversation("Hi?", "Hello.")
    [{'role': 'user', 'content': 'Hi?'}, {'role': 'assistant', 'content': 'Hello.'}]
    """
    if isinstance(prompt, str):
        turns: list[dict[str, str]] = [{"role": "user", "content": prompt}]
    else:
        turns = [{"role": str(m["role"]), "content": str(m["content"])} for m in prompt]
    return [*turns, {"role": "assistant", "content": response}]


def text_hash(messages: Sequence[Message]) -> str:
    """A content hash of a conversation: equal conversations share it, whatever pair they came from.

    >>> text_hash([{"role": "user", "content": "a"}]) == text_hash([{"content": "a", "role": "user"}])
    True
    """
    canonical = json.dumps([dict(m) for m in messages], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def distinct_positions(conversations: Sequence[Sequence[Message]]) -> tuple[list[str], dict[str, int]]:
    """Each conversation's content hash, and the first position of every distinct one (each
    distinct conversation is scored once).

    >>> hashes, first = distinct_positions([[{"role": "user", "content": "a"}]] * 2)
    >>> len(hashes), list(first.values())
    (2, [0])
    """
    hashes = [text_hash(c) for c in conversations]
    first: dict[str, int] = {}
    for position, digest in enumerate(hashes):
        first.setdefault(digest, position)
    return hashes, first


def load_chat_template(path: str | Path) -> str:
    """A Jinja chat template from a file: a regular file, at most 1 MiB, UTF-8, and a template
    Jinja can parse (checked now, before any work)."""
    from .._inputs import TEMPLATE_LIMIT, read_input_text

    template = read_input_text(path, limit=TEMPLATE_LIMIT, what="chat template")
    try:
        from jinja2 import TemplateSyntaxError
        from jinja2.sandbox import ImmutableSandboxedEnvironment
    except ImportError:  # transformers brings jinja2; without it rendering says so
        return template
    try:
        ImmutableSandboxedEnvironment().parse(template)
    except (TemplateSyntaxError, RecursionError) as exc:  # the file is not a template
        raise InputError(f"not a Jinja chat template: {str(exc)[:200]}", path=path) from None
    return template


def render_chat(tokenizer: Any, template: str, messages: list[dict[str, Any]], *, add_generation_prompt: bool,
                source: str) -> str:
    """``tokenizer.apply_chat_template`` as text; a template that fails on these messages (a
    syntax error, an undefined variable, ``raise_exception``, a sandbox violation) is bad input
    naming the template, not a preftree bug."""
    try:
        from jinja2 import TemplateError
    except ImportError:  # pragma: no cover - transformers depends on jinja2
        TemplateError = Exception
    try:
        return str(tokenizer.apply_chat_template(messages, chat_template=template, tokenize=False,
                                                 add_generation_prompt=add_generation_prompt))
    except (TemplateError, ArithmeticError, TypeError, ValueError, AttributeError, LookupError,
            RecursionError) as exc:  # the template's own expressions: 1/0, "%d" % "x", range(10**8)
        raise InputError(f"{source}: the chat template fails on these messages: "
                         f"{type(exc).__name__}: {str(exc)[:200]}") from None
    except MemoryError:
        raise InputError(f"{source}: the chat template's output does not fit in memory") from None


class ChatFormatter:
    """Renders conversations with a tokenizer's chat template (or one read from a file)."""

    def __init__(self, tokenizer: Any, template_file: str | Path | None = None, *,
                 model_name: str = "the model") -> None:
        self.source = str(template_file) if template_file is not None else f"the chat template of {model_name}"
        template: str | None
        if template_file is not None:
            template = load_chat_template(template_file)
        else:
            template = getattr(tokenizer, "chat_template", None)
            if isinstance(template, dict):  # several named templates: the default one scores
                template = template.get("default")
        if not template:
            raise InputError(f"the tokenizer of {model_name} has no chat template; pass "
                             "--chat-template FILE (a Jinja template) to say how to format "
                             "conversations — preftree never falls back to a generic format")
        self.tokenizer = tokenizer
        self.template: str = template
        self.template_hash = hashlib.sha256(template.encode("utf-8")).hexdigest()

    def render(self, messages: Sequence[Message]) -> str:
        """The conversation as the text the model reads (special tokens included as text)."""
        return render_chat(self.tokenizer, self.template, [dict(m) for m in messages],
                           add_generation_prompt=False, source=self.source)

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of rendered texts; the template already holds BOS, so none is added twice."""
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [list(ids) for ids in encoded]
