"""Deprecated: the probe judges moved to :mod:`preftree.judges` (one protocol for every command).
These names keep working for one release, with a :class:`DeprecationWarning`."""

from __future__ import annotations

import warnings
from typing import Any

from ..judges.llm import LLMJudge
from ..judges.protocol import Judge, Verdict, judge_slug

__all__ = ["LLMProbeJudge", "ModelProbeJudge", "ProbeJudge", "Verdict", "judge_slug"]

warnings.warn("preftree.probes.judges is deprecated: use preftree.judges (LLMJudge, RewardModelJudge, "
              "TreeRewardJudge, the Judge protocol)", DeprecationWarning, stacklevel=2)

ProbeJudge = Judge
LLMProbeJudge = LLMJudge


def ModelProbeJudge(bench_judge: Any, name: str) -> Any:
    """The reward-model judge itself (it follows the Judge protocol now), under ``name``."""
    bench_judge.name = name
    return bench_judge
