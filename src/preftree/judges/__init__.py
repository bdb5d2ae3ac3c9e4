"""LLM judges: prompt → client (OpenAI-compatible endpoint or a local model) → parser, both
presentation orders, journaled so a run resumes where it stopped. The output is a judge file."""

from __future__ import annotations

from .collect import BACKENDS, JudgeSummary, collect_judgments, combine, load_backend
from .parse import parse_verdict
from .prompt import DEFAULT_TEMPLATE, JudgePrompt, format_conversation
from .records import Journal, JudgeRequest, JudgeResult, journal_path

__all__ = ["BACKENDS", "DEFAULT_TEMPLATE", "Journal", "JudgePrompt", "JudgeRequest", "JudgeResult",
           "JudgeSummary", "collect_judgments", "combine", "format_conversation", "journal_path",
           "load_backend", "parse_verdict"]
