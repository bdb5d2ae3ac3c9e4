"""The decision-tree reward model: attribute scores → differences → tree → verdict, plus the
training recipe (a ridge head over backbone hidden states, then a tree on preference pairs)."""

from __future__ import annotations

from .ranking import Ranking, rank_from_pairwise, symmetric_win_matrix
from .reward_model import TREE_FILE, DecisionTreeRewardModel

__all__ = ["TREE_FILE", "DecisionTreeRewardModel", "Ranking", "rank_from_pairwise",
           "symmetric_win_matrix"]
