"""What RewardBench evaluates: a reward model (one scalar per response) or a decision-tree reward
model (the tree decides). Both score every distinct text once through the scoring engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from ..errors import InputError
from ..model import DecisionTreeRewardModel
from ..scoring.protocol import Scorer
from .data import V1Example, V2Example

__all__ = ["BenchJudge", "ScalarJudge", "TreeJudge"]


class BenchJudge(Protocol):
    model_type: str
    description: dict[str, Any]

    def v1_margins(self, examples: Sequence[V1Example]) -> np.ndarray:
        """Per pair: > 0 when the chosen response wins, 0 for a tie."""
        ...

    def v2_scores(self, examples: Sequence[V2Example]) -> list[np.ndarray]:
        """Per prompt: one score per candidate (chosen first)."""
        ...


def _flatten(examples: Sequence[V2Example]) -> tuple[list[Any], list[str], list[int]]:
    prompts, texts, sizes = [], [], []
    for example in examples:
        prompts += [example.prompt] * len(example.candidates)
        texts += list(example.candidates)
        sizes.append(len(example.candidates))
    return prompts, texts, sizes


def _split(values: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    return np.split(values, np.cumsum(sizes)[:-1]) if sizes else []


class ScalarJudge:
    """A reward model: the higher score wins. Multi-output models need ``attribute``."""

    model_type = "Seq. Classifier"

    def __init__(self, scorer: Scorer, attribute: str | None = None) -> None:
        names = scorer.attributes
        if attribute is None and len(names) > 1:
            raise InputError(f"the model has {len(names)} outputs {names}: pass --attribute NAME "
                             "to rank by one, or --tree to let a decision tree decide")
        if attribute is not None and attribute not in names:
            raise InputError(f"attribute {attribute!r} is not an output of the model; outputs: {names}")
        self.scorer = scorer
        self.column = names.index(attribute) if attribute is not None else 0
        self.description = {**scorer.description, "attribute": names[self.column]}

    def _scores(self, prompts: list[Any], texts: list[str]) -> np.ndarray:
        return self.scorer.score(prompts, texts)[:, self.column]

    def v1_margins(self, examples: Sequence[V1Example]) -> np.ndarray:
        n = len(examples)
        scores = self._scores([e.prompt for e in examples] * 2,
                              [e.chosen for e in examples] + [e.rejected for e in examples])
        return scores[:n] - scores[n:]

    def v2_scores(self, examples: Sequence[V2Example]) -> list[np.ndarray]:
        prompts, texts, sizes = _flatten(examples)
        return _split(self._scores(prompts, texts), sizes)


class TreeJudge:
    """A decision-tree reward model: the tree's verdict, both presentation orders averaged."""

    model_type = "Decision Tree"

    def __init__(self, model: DecisionTreeRewardModel) -> None:
        if model.tree is None:
            raise InputError("the decision-tree model has no tree: pass --tree FILE")
        self.model = model
        self.description = {**model.scorer.description, "tree_depth": int(model.tree.depth_)}

    def v1_margins(self, examples: Sequence[V1Example]) -> np.ndarray:
        n = len(examples)
        rewards = self.model.scorer.score([e.prompt for e in examples] * 2,
                                          [e.chosen for e in examples] + [e.rejected for e in examples])
        return self.model.win_probability(rewards[n:], rewards[:n]) - 0.5

    def v2_scores(self, examples: Sequence[V2Example]) -> list[np.ndarray]:
        prompts, texts, sizes = _flatten(examples)
        rewards = self.model.scorer.score(prompts, texts)
        return [self.model.rank_rewards(block).win_rate for block in _split(rewards, sizes)]
