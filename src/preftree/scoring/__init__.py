"""Reward-model scoring: pairs → per-response attribute scores.

:class:`RewardScorer` loads a model through a backend (transformers now), scores every distinct
conversation once in token-budget batches, and caches scores in SQLite so reruns and killed runs
resume. Importing this package does not import torch; building a scorer does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "RewardScorer": ".scorer",
    "Scorer": ".protocol",
    "load_scorer": ".loading",
    "ScoreCache": ".cache",
    "ScoreRun": ".scorer",
    "ScoreStats": ".scorer",
    "ScoringOptions": ".options",
    "default_cache_path": ".cache",
    "read_scores_metadata": ".pairs",
    "score_pairs": ".pairs",
    "write_scores": ".pairs",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names resolve lazily
    from .cache import ScoreCache, default_cache_path
    from .loading import load_scorer
    from .options import ScoringOptions
    from .pairs import read_scores_metadata, score_pairs, write_scores
    from .protocol import Scorer
    from .scorer import RewardScorer, ScoreRun, ScoreStats
