"""The explain stage: one tree per judge, agreement between judges, position consistency."""

from .agreement import agreement_matrix, consistency_table
from .analysis import ExplainConfig, ExplainResult, JudgeExplanation, explain, explain_judge
from .outputs import format_judge, format_result, write_outputs

__all__ = [
    "ExplainConfig",
    "ExplainResult",
    "JudgeExplanation",
    "agreement_matrix",
    "consistency_table",
    "explain",
    "explain_judge",
    "format_judge",
    "format_result",
    "write_outputs",
]
