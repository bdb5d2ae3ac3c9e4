"""An LLM judge behind the :class:`~preftree.judges.protocol.Judge` protocol: every pair asked in
both presentation orders through :func:`~preftree.judges.collect.collect_judgments`, so answers
are journaled by content and a rerun asks nothing twice; each batch's verdicts are a judge file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..data.model import PairSet
from ..errors import ConfigError
from .collect import JudgeBackend, collect_judgments
from .prompt import JudgePrompt
from .protocol import Verdict, judge_slug

__all__ = ["LLMJudge"]


def _sign(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


class LLMJudge:
    """An LLM judge: ``backend`` (an endpoint or a local model) asked with ``prompt``.

    ``judge_file(stage)`` says where a batch's judge file goes (default: ``NAME.STAGE.csv`` in
    ``folder``); ``journal`` is where answers are kept between runs (outside a folder that is
    written whole). ``api_errors``, ``answers`` and ``unparsable`` count what came back, so a
    command can refuse to report on a judge none of whose answers could be read.
    """

    kind, shift_unit, sees_positions = "llm-judge", "P(target preferred)", True

    def __init__(self, backend: JudgeBackend, name: str, *, prompt: JudgePrompt | None = None,
                 folder: Path | None = None, journal: Path | None = None,
                 judge_file: Callable[[str], Path] | None = None, progress: bool = True) -> None:
        self.backend, self.name, self.prompt = backend, name, prompt or JudgePrompt()
        self.folder, self.journal, self.progress = folder, journal, progress
        self._judge_file = judge_file
        self.api_errors = 0
        self.answers = self.unparsable = 0  # pairs answered; of them, those with no verdict read in either order

    def describe(self) -> dict[str, Any]:
        return {"model": self.name, **self.backend.describe(),
                "judge_template_sha256": self.prompt.sha256, "verdict_format": self.prompt.parser}

    @property
    def has_judge_file(self) -> bool:
        """Whether the judge knows where its judge files go."""
        return self._judge_file is not None or self.folder is not None

    def set_judge_file(self, judge_file: Callable[[str], Path]) -> None:
        """Say where each batch's judge file goes."""
        self._judge_file = judge_file

    def judge_file(self, stage: str) -> Path:
        """The judge file of one batch."""
        if self._judge_file is not None:
            return self._judge_file(stage)
        if self.folder is None:
            raise ConfigError("an LLM judge needs a folder (or judge_file) for its judge files")
        return self.folder / f"{judge_slug(self.name)}.{stage}.csv"

    def verdicts(self, pairs: PairSet, stage: str) -> list[Verdict]:
        if len(pairs) == 0:  # nothing to ask: no judge file
            return []
        path = self.judge_file(stage)
        path.parent.mkdir(parents=True, exist_ok=True)
        summary = collect_judgments(pairs, self.backend, path, judge=self.name, prompt=self.prompt,
                                    progress=self.progress, journal=self.journal)
        self.api_errors += summary.n_api_errors
        frame = summary.frame
        assert frame is not None
        answered = ~frame["error"].str.contains("api:", regex=False)
        unread = answered & frame["preference_orig_order"].isna() & frame["preference_swapped_order"].isna() \
            & frame["error"].str.contains("unparsable", regex=False)
        self.answers += int(answered.sum())
        self.unparsable += int(unread.sum())
        verdicts = []
        for row in frame.itertuples(index=False):
            orders = (_sign(row.preference_orig_order), _sign(row.preference_swapped_order))
            known = [o for o in orders if o is not None]
            score = float(np.mean([(o + 1) / 2 for o in known])) - 0.5 if known else None
            verdicts.append(Verdict(_sign(row.preference), score, orders,
                                    (_text(row.completion_orig), _text(row.completion_swapped))))
        return verdicts
