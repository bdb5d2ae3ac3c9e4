"""Reward-model scoring: pairs → per-response attribute scores.

:class:`RewardScorer` loads a model through a backend (transformers now), scores every distinct
conversation once in token-budget batches, and caches scores in SQLite so reruns and killed runs
resume. Importing this package does not import torch; building a scorer does.
"""

from __future__ import annotations

from .cache import ScoreCache, default_cache_path
from .options import ScoringOptions
from .pairs import read_scores_metadata, score_pairs, write_scores
from .scorer import RewardScorer, ScoreRun, ScoreStats

__all__ = ["RewardScorer", "ScoreCache", "ScoreRun", "ScoreStats", "ScoringOptions",
           "default_cache_path", "read_scores_metadata", "score_pairs", "write_scores"]
