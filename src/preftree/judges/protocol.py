"""One protocol for every judge preftree runs: an LLM over an endpoint or a local model, a reward
model, a decision-tree reward model, an ensemble, a plug-in's. ``probe``, ``rewardbench`` and the
Python API ask judges only through it; what a judge is made of stays inside its own module."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..data.model import PairSet, Prompt

__all__ = ["JUDGE_KINDS", "Judge", "Rater", "Verdict", "check_verdict_count", "judge_slug"]

JUDGE_KINDS = ("llm-judge", "reward-model", "tree-reward-model", "ensemble")
"""The kinds preftree builds; a plug-in's judge may name its own."""


@dataclass(frozen=True)
class Verdict:
    """A judge's verdict on one pair, in the pair's orientation (-1 = response_1 better, +1 =
    response_2, 0 = a tie, ``None`` = no verdict).

    ``score`` leans toward response_2: P(response_2 preferred) - 0.5 for an LLM judge (from its
    verdicts in both orders), the reward margin (response_2 - response_1) for a reward model, the
    tree's P(response_2 wins) - 0.5 for a decision-tree reward model. ``orders`` are an LLM
    judge's verdicts in each presentation order (original first, then swapped) and ``answers``
    its raw completions in the same orders; ``None`` for judges that do not see positions.
    """

    preference: int | None
    score: float | None
    orders: tuple[int | None, int | None] = (None, None)
    answers: tuple[str | None, str | None] = (None, None)

    @property
    def first_order_pick(self) -> int | None:
        """The verdict of one presentation (an LLM judge's original order), else the verdict."""
        return self.orders[0] if self.orders[0] is not None else self.preference


@runtime_checkable
class Judge(Protocol):
    """What every command needs of a judge: its verdicts on pairs.

    ``kind`` is one of :data:`JUDGE_KINDS` (or a plug-in's own); ``shift_unit`` says what a
    verdict's ``score`` is measured in; ``sees_positions`` is true when the presentation order
    can change the verdict (an LLM judge), so order probes apply. ``stage`` names the batch
    (``base``, ``edited``, ``rewardbench``) for judges that keep files per batch.
    """

    name: str
    kind: str
    shift_unit: str
    sees_positions: bool

    def verdicts(self, pairs: PairSet, stage: str) -> list[Verdict]: ...

    def describe(self) -> dict[str, Any]: ...


@runtime_checkable
class Rater(Judge, Protocol):
    """A judge that rates each response on its own (a reward model, a decision-tree reward
    model), so it can also rank several candidates for one prompt (RewardBench 2, best-of-n)."""

    def rank(self, prompts: Sequence[Prompt], candidates: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Per prompt, one score per candidate (higher is better)."""
        ...


def judge_slug(name: str) -> str:
    """A file-name-safe form of a judge's name."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._")[:80] or "judge"


def check_verdict_count(judge: Judge, verdicts: Sequence[Verdict], n_pairs: int) -> None:
    """One verdict per pair, or the judge (a plug-in's, most likely) is broken: say so rather
    than score misaligned verdicts."""
    if len(verdicts) != n_pairs:
        from ..errors import PreftreeError

        raise PreftreeError(f"the judge {judge.name!r} gave {len(verdicts)} verdicts for {n_pairs} pairs")
