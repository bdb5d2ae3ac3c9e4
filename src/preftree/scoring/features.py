"""``--features model:PATH``: reward-model scores computed on the fly, through the same engine and
cache as ``preftree score``."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..data.model import PairSet
from .cache import default_cache_path
from .loading import load_scorer
from .options import ScorerSettings, ScoringOptions
from .pairs import score_pairs

__all__ = ["ModelSource", "model_source"]


@dataclass
class ModelSource:
    """Per-response attribute scores from a reward model (Hub id or local folder)."""

    model: str
    spec: str
    settings: ScorerSettings = field(default_factory=lambda: ScorerSettings(
        ScoringOptions(cache=default_cache_path())))  # the command's scoring options and engine

    def values(self, pairs: PairSet) -> tuple[pd.DataFrame, pd.DataFrame]:
        scorer = load_scorer(self.model, self.settings.options, ray=self.settings.ray)
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
