"""LLM judges: prompt → client (OpenAI-compatible endpoint or a local model) → parser, both
presentation orders, journaled so a run resumes where it stopped. The output is a judge file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "BACKENDS": ".collect",
    "DEFAULT_TEMPLATE": ".prompt",
    "Journal": ".records",
    "JudgePrompt": ".prompt",
    "JudgeRequest": ".records",
    "JudgeResult": ".records",
    "JudgeSummary": ".collect",
    "collect_judgments": ".collect",
    "combine": ".collect",
    "format_conversation": ".prompt",
    "journal_path": ".records",
    "load_backend": ".collect",
    "parse_verdict": ".parse",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names resolve lazily
    from .collect import (
        BACKENDS,
        JudgeSummary,
        collect_judgments,
        combine,
        load_backend,
    )
    from .parse import parse_verdict
    from .prompt import DEFAULT_TEMPLATE, JudgePrompt, format_conversation
    from .records import Journal, JudgeRequest, JudgeResult, journal_path
