"""The LLM-judge options shared by ``preftree judge`` and ``preftree rewardbench --backend``, and
building a judge backend and prompt from them (one meaning per option, in both commands)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .._vocabulary import JUDGE_TEMPLATES
from ._options import FiniteFloatRange

__all__ = ["JUDGE_OPTION_NAMES", "JUDGE_TEMPLATES", "judge_backend", "judge_options", "judge_prompt", "judge_settings",
           "model_judge"]

JUDGE_OPTION_NAMES = ("api_key_env", "judge_name", "judge_template", "template",
                      "verdict_format", "system", "temperature", "max_tokens", "concurrency", "rpm",
                      "timeout", "max_retries", "max_wait", "max_reply_bytes")
"""The options :func:`judge_options` adds: a command pops them into the judge's settings."""

F = TypeVar("F", bound=Callable[..., Any])


def judge_options(function: F, *, default_template: str = "preftree", max_tokens: int = 16,
                  base_url: bool = True, judge_prompts: bool = True) -> F:
    """The endpoint, prompt, decoding and retry options of a judge (``base_url=False`` where the
    command has its own ``--base-url``; ``judge_prompts=False`` where the command asks its own
    questions, as ``annotate`` does, and has its own ``--template``)."""
    options = [
        *([click.option("--base-url", default="https://api.openai.com/v1", show_default=True,
                        help="Chat-completions endpoint (vLLM, Together, Ollama, gateways).")]
          if base_url else []),
        click.option("--api-key-env", default="OPENAI_API_KEY", show_default=True,
                     help="Environment variable holding the API key (the key itself is never written); "
                          "'none' sends no key. A key sent over plain http to another host is said once."),
        click.option("--judge-name", help="Name in the output (default: the model)."),
    ]
    prompt_options = [
        click.option("--judge-template", default=default_template, show_default=True,
                     type=click.Choice(JUDGE_TEMPLATES),
                     help="A shipped prompt: preftree (verdict first), mt-bench ([[A]]/[[B]]/[[C]] "
                          "at the end), skywork-critic ([[A]]/[[B]])."),
        click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Your own prompt template with {conversation}, {response_a}, {response_b} "
                          "(read like --judge-template's: a verdict first, or [[A]]-style with "
                          "--verdict-format brackets)."),
        click.option("--verdict-format", type=click.Choice(["leading", "brackets"]),
                     help="With --template: how answers give their verdict (default: leading)."),
    ]
    options += prompt_options if judge_prompts else []
    options += [
        click.option("--system", help="Optional system message (replaces the template's own)."),
        click.option("--temperature", default=0.0, show_default=True, type=FiniteFloatRange(min=0),
                     help="Sampling temperature."),
        click.option("--max-tokens", default=max_tokens, show_default=True, type=click.IntRange(min=1),
                     help="Longest completion asked for."),
        click.option("--concurrency", default=16, show_default=True, type=click.IntRange(min=1),
                     help="Requests in flight at once."),
        click.option("--rpm", type=FiniteFloatRange(min=0, min_open=True), help="Requests per minute cap."),
        click.option("--timeout", default=60.0, show_default=True,
                     type=FiniteFloatRange(min=0, min_open=True, max=86400), help="Seconds per request."),
        click.option("--max-retries", default=6, show_default=True, type=click.IntRange(min=0),
                     help="Retries of a request after a 429, a 5xx or a timeout."),
        click.option("--max-wait", default=60.0, show_default=True, type=FiniteFloatRange(min=0, max=86400),
                     help="Longest single pause before a retry, whatever Retry-After asks for."),
        click.option("--max-reply-bytes", default=1 << 20, show_default=True, type=click.IntRange(min=1),
                     help="Largest reply read; a bigger one is an API error, never stored."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def judge_prompt(judge_template: str, template: Path | None, verdict_format: str | None,
                 system: str | None) -> Any:
    """The prompt of the judge options (see :func:`preftree.judges.build.judge_prompt`)."""
    from ..judges.build import judge_prompt as build_prompt

    return build_prompt(judge_template, template, verdict_format, system)


def judge_settings(options: dict[str, Any]) -> Any:
    """The typed :class:`~preftree.judges.settings.JudgeSettings` of the judge options."""
    from ..judges.settings import JudgeSettings

    chat_template = options.get("chat_template")
    return JudgeSettings(
        base_url=options.get("base_url") or "https://api.openai.com/v1",
        api_key_env=options["api_key_env"], temperature=options["temperature"],
        max_tokens=options["max_tokens"], concurrency=options["concurrency"], rpm=options["rpm"],
        timeout_s=options["timeout"], max_retries=options["max_retries"],
        max_wait_s=options["max_wait"], dtype=options.get("dtype") or "auto",
        max_reply_bytes=options.get("max_reply_bytes") or 1 << 20,
        device=options.get("device") or "auto",
        chat_template=None if chat_template is None else str(chat_template))


def judge_backend(backend: str, model: str, options: dict[str, Any]) -> Any:
    """The judge backend ``backend`` built from the judge options."""
    from ..judges.build import judge_backend as build_backend

    return build_backend(backend, model, judge_settings(options))


def model_judge(model: str, settings: Any, *, tree_path: str | None, tree_filename: str,
                trust_pickle: bool, tree_labels: str, attribute: str | None, quiet: bool) -> Any:
    """A reward model or, with ``--tree``, a decision-tree reward model (saying how a foreign
    tree's labels were read)."""
    from ..judges.build import reward_model_judge

    judge = reward_model_judge(model, settings.options, tree=tree_path, tree_filename=tree_filename,
                               trust_pickle=trust_pickle, tree_labels=tree_labels, attribute=attribute,
                               ray=settings.ray)
    if tree_path is not None:
        from .compare import say_orientation

        say_orientation(judge.model.tree, quiet)
    return judge
