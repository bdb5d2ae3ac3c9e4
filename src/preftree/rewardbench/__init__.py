"""RewardBench v1 and v2: evaluation with the official formulas, results files, a leaderboard."""

from __future__ import annotations

from .data import load_v1, load_v2
from .evaluate import evaluate_v1, evaluate_v2, write_results
from .leaderboard import build_leaderboard, load_published, load_results, render
from .sections import EXAMPLE_COUNTS, SECTIONS, compute_sections, section_scores
from .v2 import best_of_n_credit, ties_components, ties_score, v2_score

__all__ = ["EXAMPLE_COUNTS", "SECTIONS", "best_of_n_credit", "build_leaderboard", "compute_sections",
           "evaluate_v1", "evaluate_v2", "load_published", "load_results", "load_v1", "load_v2",
           "render", "section_scores", "ties_components", "ties_score", "v2_score", "write_results"]
