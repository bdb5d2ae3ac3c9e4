"""The judges a probe asks, behind one interface: an LLM judge (both presentation orders, journaled
by content so a rerun asks nothing twice), a reward model (the higher score wins) and a
decision-tree reward model (its verdict, both orders averaged)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ..data.model import PairSet

__all__ = ["LLMProbeJudge", "ModelProbeJudge", "ProbeJudge", "Verdict", "judge_slug"]


@dataclass(frozen=True)
class Verdict:
    """A judge's verdict on one pair, in the pair's orientation (-1 = response_1 better).

    ``score`` leans toward response_2: P(response_2 preferred) - 0.5 for an LLM judge (from its
    verdicts in both orders), the reward margin (response_2 - response_1) for a reward model, the
    tree's P(response_2 wins) - 0.5 for a decision-tree reward model. ``orders`` are an LLM judge's
    verdicts in each presentation order (original first, then swapped), ``None`` elsewhere.
    """

    preference: int | None
    score: float | None
    orders: tuple[int | None, int | None] = (None, None)

    @property
    def first_order_pick(self) -> int | None:
        """The verdict of one presentation (an LLM judge's original order), else the verdict."""
        return self.orders[0] if self.orders[0] is not None else self.preference


class ProbeJudge(Protocol):
    """What a probe run needs of a judge."""

    name: str
    kind: str          # "llm-judge", "reward-model" or "tree-reward-model"
    shift_unit: str    # what ``mean_shift`` is measured in
    sees_positions: bool

    def verdicts(self, pairs: PairSet, stage: str) -> list[Verdict]: ...


def judge_slug(name: str) -> str:
    """A file-name-safe form of a judge's name."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._")[:80] or "judge"


def _sign(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


class LLMProbeJudge:
    """An LLM judge through :func:`~preftree.judges.collect.collect_judgments`: each stage's
    verdicts are a judge file in ``folder``; answers are journaled in ``journal`` (outside the
    output folder, which is written whole) and reused by content."""

    kind, shift_unit, sees_positions = "llm-judge", "P(target preferred)", True

    def __init__(self, backend: Any, name: str, *, prompt: Any, folder: Path, journal: Path,
                 progress: bool = True) -> None:
        self.backend, self.name, self.prompt = backend, name, prompt
        self.folder, self.journal, self.progress = folder, journal, progress
        self.api_errors = 0
        self.answers = self.unparsable = 0  # pairs answered, and of them those with no verdict read in either order

    def verdicts(self, pairs: PairSet, stage: str) -> list[Verdict]:
        from ..judges import collect_judgments

        if len(pairs) == 0:  # nothing to ask (the judge decided no pair): no judge file
            return []
        self.folder.mkdir(parents=True, exist_ok=True)
        summary = collect_judgments(pairs, self.backend, self.folder / f"{judge_slug(self.name)}.{stage}.csv",
                                    judge=self.name, prompt=self.prompt, progress=self.progress,
                                    journal=self.journal)
        self.api_errors += summary.n_api_errors
        frame = summary.frame
        answered = ~frame["error"].str.contains("api:", regex=False)
        unread = answered & frame["preference_orig_order"].isna() & frame["preference_swapped_order"].isna() \
            & frame["error"].str.contains("unparsable", regex=False)
        self.answers += int(answered.sum())
        self.unparsable += int(unread.sum())
        verdicts = []
        for row in summary.frame.itertuples(index=False):
            orders = (_sign(row.preference_orig_order), _sign(row.preference_swapped_order))
            known = [o for o in orders if o is not None]
            score = float(np.mean([(o + 1) / 2 for o in known])) - 0.5 if known else None
            verdicts.append(Verdict(_sign(row.preference), score, orders))
        return verdicts


class ModelProbeJudge:
    """A reward model or a decision-tree reward model, through RewardBench's judges: one scoring
    call per stage, so every distinct text is scored once (cache and prefix sharing apply)."""

    sees_positions = False

    def __init__(self, bench_judge: Any, name: str) -> None:
        self.bench_judge, self.name = bench_judge, name
        tree = bench_judge.model_type == "Decision Tree"
        self.kind = "tree-reward-model" if tree else "reward-model"
        self.shift_unit = "P(target wins)" if tree else "reward margin"

    def verdicts(self, pairs: PairSet, stage: str) -> list[Verdict]:
        from ..rewardbench.data import V1Example

        examples = [V1Example(p.id, stage, p.prompt, p.response_2, p.response_1) for p in pairs]
        margins = self.bench_judge.v1_margins(examples) if examples else np.zeros(0)
        return [Verdict(int(np.sign(m)), float(m)) for m in margins]

