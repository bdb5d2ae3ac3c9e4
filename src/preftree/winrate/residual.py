"""What the judge rewards beyond the controlled features: a tree over the residual of the
style-controlled Bradley–Terry model, beside the ordinary tree over the outcomes.

Both are :class:`~preftree.tree.PreferenceTree` fits on the battles' feature differences
(response_2 − response_1 = b − a). The ordinary tree's target is who won (weight |2p − 1| for a
soft outcome p); the residual tree's is the sign of ``outcome − P_controlled(a beats b)``,
weighted by its size: a classification step on the residual, as one round of gradient boosting on
the logistic loss takes. Splits in the residual tree are what the ratings and the linear style
terms leave unexplained: thresholds, interactions, features that were not controlled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..tree import PreferenceTree

__all__ = ["ResidualTrees", "fit_residual_trees"]


@dataclass
class ResidualTrees:
    """The two trees, fitted on the same differences."""

    ordinary: PreferenceTree
    residual: PreferenceTree

    def to_dict(self) -> dict[str, Any]:
        from ..tree.serialize import tree_to_dict

        return {"ordinary": {"text": self.ordinary.export_text(), "tree": tree_to_dict(self.ordinary)},
                "residual": {"text": self.residual.export_text(), "tree": tree_to_dict(self.residual)}}


def _fit(differences: pd.DataFrame, signed: np.ndarray, depth: int, seed: int) -> PreferenceTree:
    """A tree on preferences sign(−signed) (signed > 0: a, i.e. response_1, did better), weighted by |signed|."""
    labels = np.where(signed > 0, -1, np.where(signed < 0, 1, 0))
    return PreferenceTree(max_depth=depth, random_state=seed, min_samples_leaf=5).fit(
        differences, labels, sample_weight=np.abs(signed))


def fit_residual_trees(differences: pd.DataFrame, outcome: np.ndarray, controlled: np.ndarray, *,
                       depth: int = 3, seed: int = 0) -> ResidualTrees | None:
    """The ordinary and residual trees, or None when nothing is left to split (no decided battle)."""
    outcome = np.asarray(outcome, float)
    residual = outcome - np.asarray(controlled, float)
    if not np.any(outcome != 0.5) or not np.any(np.abs(residual) > 1e-9):
        return None
    frame = differences.reset_index(drop=True)
    ordinary = _fit(frame, outcome - 0.5, depth, seed)
    return ResidualTrees(ordinary, _fit(frame, residual, depth, seed))
