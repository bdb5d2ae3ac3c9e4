"""RewardBench v1 and v2: evaluation with the official formulas, results files, a leaderboard.

The package is callable: ``preftree.rewardbench(judge, ...)`` runs
:func:`preftree.rewardbench.api.rewardbench`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import callable_package, lazy_exports

_EXPORTS = {
    "EXAMPLE_COUNTS": ".sections",
    "SECTIONS": ".sections",
    "best_of_n_credit": ".v2",
    "build_leaderboard": ".leaderboard",
    "compute_sections": ".sections",
    "evaluate_v1": ".evaluate",
    "evaluate_v2": ".evaluate",
    "load_published": ".leaderboard",
    "load_results": ".leaderboard",
    "load_v1": ".data",
    "load_v2": ".data",
    "render": ".leaderboard",
    "section_scores": ".sections",
    "ties_components": ".v2",
    "ties_score": ".v2",
    "v2_score": ".v2",
    "write_results": ".evaluate",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
callable_package(__name__, ".api", "rewardbench")  # preftree.rewardbench(judge, ...) is the command's API

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names resolve lazily
    from .data import load_v1, load_v2
    from .evaluate import evaluate_v1, evaluate_v2, write_results
    from .leaderboard import build_leaderboard, load_published, load_results, render
    from .sections import EXAMPLE_COUNTS, SECTIONS, compute_sections, section_scores
    from .v2 import best_of_n_credit, ties_components, ties_score, v2_score
