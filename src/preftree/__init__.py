"""preftree: explain and predict preferences between two LLM responses with small decision trees.

Pipeline: pairs (:mod:`preftree.data`) → per-response features (:mod:`preftree.features`) →
differences → :class:`PreferenceTree` (:mod:`preftree.tree`) → explanation and report
(:mod:`preftree.explanation`, :mod:`preftree.report`). Every command is one call here
(:mod:`preftree.api`): ``explain``, ``judge``, ``probe``, ``winrate``, ``rewardbench``, ``report``,
``score``, each returning its result and writing nothing unless given ``out=``. Importing preftree imports none of torch,
pandas, scikit-learn, scipy or matplotlib: public names are resolved on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from ._version import __version__
from .errors import InputError, PreftreeError, UntrustedPickleError

_EXPORTS = {
    "DecisionTreeRewardModel": ".model",
    "annotate": ".judges.api",
    "ExplainConfig": ".explanation",
    "ExplainResult": ".explanation",
    "FeatureTable": ".features",
    "Judgment": ".data",
    "JudgmentSet": ".data",
    "Pair": ".data",
    "PairSet": ".data",
    "PreferenceTree": ".tree",
    "build_features": ".features",
    "explain": ".api",
    "explain_judge": ".explanation",
    "load_judges": ".data",
    "load_judgments": ".data",
    "judge": ".judges.api",
    "load_pairs": ".data",
    "probe": ".probes.api",
    "report": ".report",
    "rewardbench": ".rewardbench",
    "score": ".api",
    "style_of": ".features",
    "winrate": ".winrate",
}

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
    "annotate",
    "build_features",
    "explain",
    "explain_judge",
    "judge",
    "load_judges",
    "load_judgments",
    "load_pairs",
    "probe",
    "report",
    "rewardbench",
    "score",
    "style_of",
    "winrate",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names resolve lazily
    from . import report, rewardbench, winrate
    from .api import explain, score
    from .data import (
        Judgment,
        JudgmentSet,
        Pair,
        PairSet,
        load_judges,
        load_judgments,
        load_pairs,
    )
    from .explanation import ExplainConfig, ExplainResult, explain_judge
    from .features import FeatureTable, build_features, style_of
    from .judges.api import annotate, judge
    from .model import DecisionTreeRewardModel
    from .probes.api import probe
    from .tree import PreferenceTree
