"""``--features model:PATH``: reward-model scores computed on the fly, through the same engine and
cache as ``preftree score``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..data.model import PairSet
from .cache import default_cache_path
from .pairs import score_pairs
from .scorer import RewardScorer

__all__ = ["ModelSource", "model_source"]


@dataclass
class ModelSource:
    """Per-response attribute scores from a reward model (Hub id or local folder)."""

    model: str
    spec: str
    options: dict[str, Any] = field(default_factory=dict)  # e.g. engine="ray", replicas=4

    def values(self, pairs: PairSet) -> tuple[pd.DataFrame, pd.DataFrame]:
        scorer = RewardScorer.from_pretrained(self.model, **{"cache": default_cache_path(), **self.options})
        try:
            frame = score_pairs(scorer, pairs).set_index("id")
        finally:
            scorer.close()
        sides = []
        for side in (1, 2):
            columns = {f"{a}_{side}": a for a in scorer.attributes}
            sides.append(frame[list(columns)].rename(columns=columns))
        return sides[0], sides[1]


def model_source(argument: str, spec: str) -> ModelSource:
    """Factory registered for the ``model:`` feature spec (see :mod:`preftree.features.sources`)."""
    return ModelSource(argument, spec)
