"""The explain stage: one tree per judge, agreement between judges, position consistency."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "ExplainConfig": ".analysis",
    "ExplainResult": ".analysis",
    "JudgeExplanation": ".analysis",
    "agreement_matrix": ".agreement",
    "consistency_table": ".agreement",
    "explain": ".run",
    "explain_judge": ".analysis",
    "format_judge": ".text",
    "format_result": ".text",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names resolve lazily
    from .agreement import agreement_matrix, consistency_table
    from .analysis import ExplainConfig, ExplainResult, JudgeExplanation, explain_judge
    from .run import explain
    from .text import format_judge, format_result
