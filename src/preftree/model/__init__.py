"""The decision-tree reward model: attribute scores → differences → tree → verdict, plus the
training recipe (a ridge head over backbone hidden states, then a tree on preference pairs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "DecisionTreeRewardModel": ".reward_model",
    "Ranking": ".ranking",
    "TREE_FILE": ".layout",
    "rank_from_pairwise": ".ranking",
    "symmetric_win_matrix": ".ranking",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names resolve lazily
    from .layout import TREE_FILE
    from .ranking import Ranking, rank_from_pairwise, symmetric_win_matrix
    from .reward_model import DecisionTreeRewardModel
