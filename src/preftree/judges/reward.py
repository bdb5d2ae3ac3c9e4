"""Reward models as judges: a scalar reward model (the higher score wins) and a decision-tree
reward model (the tree decides, both presentation orders averaged). Both score every distinct
text once through the scoring engine, so its cache and prefix sharing apply."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..data.model import PairSet, Prompt
from ..errors import InputError
from ..model import DecisionTreeRewardModel
from ..scoring.protocol import Scorer
from .protocol import Verdict

__all__ = ["RewardModelJudge", "TreeRewardJudge"]


def _flatten(prompts: Sequence[Prompt], candidates: Sequence[Sequence[str]]) -> tuple[list[Any], list[str], list[int]]:
    flat_prompts: list[Any] = []
    texts: list[str] = []
    sizes: list[int] = []
    for prompt, group in zip(prompts, candidates):
        flat_prompts += [prompt] * len(group)
        texts += list(group)
        sizes.append(len(group))
    return flat_prompts, texts, sizes


def _split(values: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    return list(np.split(values, np.cumsum(sizes)[:-1])) if sizes else []


def _both(pairs: PairSet) -> tuple[list[Any], list[str]]:
    """Prompts and texts of every pair: all second responses first, then all first responses."""
    prompts = [p.prompt for p in pairs]
    return prompts * 2, [p.response_2 for p in pairs] + [p.response_1 for p in pairs]


class RewardModelJudge:
    """A reward model: the higher score wins. A multi-output model needs ``attribute``."""

    kind, shift_unit, sees_positions = "reward-model", "reward margin", False
    model_type = "Seq. Classifier"  # RewardBench's name for the kind

    def __init__(self, scorer: Scorer, attribute: str | None = None, *, name: str | None = None) -> None:
        names = list(scorer.attributes)
        if attribute is None and len(names) > 1:
            raise InputError(f"the model has {len(names)} outputs {names}: pass --attribute NAME "
                             "to rank by one, or --tree to let a decision tree decide")
        if attribute is not None and attribute not in names:
            raise InputError(f"attribute {attribute!r} is not an output of the model; outputs: {names}")
        self.scorer = scorer
        self.column = names.index(attribute) if attribute is not None else 0
        self.description = {**scorer.description, "attribute": names[self.column]}
        self.name = name or str(scorer.description.get("model", "reward-model"))

    def describe(self) -> dict[str, Any]:
        return dict(self.description)

    def _scores(self, prompts: list[Any], texts: list[str]) -> np.ndarray:
        return self.scorer.score(prompts, texts)[:, self.column]

    def verdicts(self, pairs: PairSet, stage: str = "pairs") -> list[Verdict]:
        if len(pairs) == 0:
            return []
        scores = self._scores(*_both(pairs))
        n = len(pairs)
        margins = scores[:n] - scores[n:]
        return [Verdict(int(np.sign(m)), float(m)) for m in margins]

    def rank(self, prompts: Sequence[Prompt], candidates: Sequence[Sequence[str]]) -> list[np.ndarray]:
        flat_prompts, texts, sizes = _flatten(prompts, candidates)
        return _split(self._scores(flat_prompts, texts), sizes)


class TreeRewardJudge:
    """A decision-tree reward model: the tree's verdict, both presentation orders averaged."""

    kind, shift_unit, sees_positions = "tree-reward-model", "P(target wins)", False
    model_type = "Decision Tree"

    def __init__(self, model: DecisionTreeRewardModel, *, name: str | None = None) -> None:
        if model.tree is None:
            raise InputError("the decision-tree model has no tree: pass --tree FILE")
        self.model = model
        self.description = {**model.scorer.description, "tree_depth": int(model.tree.depth_)}
        self.name = name or str(model.scorer.description.get("model", "tree-reward-model"))

    def describe(self) -> dict[str, Any]:
        return dict(self.description)

    def verdicts(self, pairs: PairSet, stage: str = "pairs") -> list[Verdict]:
        if len(pairs) == 0:
            return []
        rewards = self.model.scorer.score(*_both(pairs))
        n = len(pairs)
        leans = self.model.win_probability(rewards[n:], rewards[:n]) - 0.5
        return [Verdict(int(np.sign(m)), float(m)) for m in leans]

    def rank(self, prompts: Sequence[Prompt], candidates: Sequence[Sequence[str]]) -> list[np.ndarray]:
        flat_prompts, texts, sizes = _flatten(prompts, candidates)
        rewards = self.model.scorer.score(flat_prompts, texts)
        return [self.model.rank_rewards(block).win_rate for block in _split(rewards, sizes)]
