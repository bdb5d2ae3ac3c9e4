"""preftree: explain and predict preferences between two LLM responses with small decision trees.

Pipeline: pairs (:mod:`preftree.data`) → per-response features (:mod:`preftree.features`) →
differences → :class:`PreferenceTree` (:mod:`preftree.tree`) → explanation and report
(:mod:`preftree.explain`, :mod:`preftree.report`). Importing preftree never imports torch.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .data import Judgment, JudgmentSet, Pair, PairSet, load_judges, load_judgments, load_pairs
from .errors import InputError, PreftreeError, UntrustedPickleError
from .explain import ExplainConfig, ExplainResult, explain, explain_judge
from .features import FeatureTable, build_features, style_of
from .model import DecisionTreeRewardModel
from .tree import PreferenceTree

__all__ = [
    "DecisionTreeRewardModel",
    "ExplainConfig",
    "ExplainResult",
    "FeatureTable",
    "InputError",
    "Judgment",
    "JudgmentSet",
    "Pair",
    "PairSet",
    "PreferenceTree",
    "PreftreeError",
    "UntrustedPickleError",
    "__version__",
    "build_features",
    "explain",
    "explain_judge",
    "load_judges",
    "load_judgments",
    "load_pairs",
    "style_of",
]
