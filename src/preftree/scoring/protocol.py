"""The one protocol every scorer honours (a model in this process, an ensemble, a Ray pool):
what the commands, the decision-tree reward model and RewardBench rely on, and nothing more."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..data.model import Prompt
from .checkpoint import Checkpoint
from .scorer import ScoreRun, ScoreStats

__all__ = ["Scorer"]


@runtime_checkable
class Scorer(Protocol):
    """What every scorer offers: output names, a description for metadata, scores of
    (prompt, response) pairs or of whole conversations, the figures of its last run."""

    @property
    def attributes(self) -> list[str]:
        """The output names, one per score column."""
        ...

    @property
    def description(self) -> dict[str, Any]:
        """What produced the scores (model, revision, head, dtype, ...), for metadata."""
        ...

    @property
    def last_stats(self) -> ScoreStats:
        """The figures of the last run."""
        ...

    @property
    def checkpoint(self) -> Checkpoint | None:
        """The checkpoint read, when the scorer is one model in this process."""
        ...

    def score(self, prompts: Sequence[Prompt], responses: Sequence[str]) -> np.ndarray:
        """Scores ``(n, K)`` of each response to its prompt."""
        ...

    def score_conversations(self, conversations: Sequence[Sequence[dict[str, str]]],
                            ids: Sequence[str] | None = None) -> ScoreRun:
        """Scores of whole conversations; ``ids`` name rows in errors."""
        ...

    def close(self) -> None:
        """Release what the scorer holds (cache connections); calling it twice is harmless."""
        ...
