"""Deprecated: RewardBench's judges moved to :mod:`preftree.judges` (one protocol for every
command). These names keep working for one release, with a :class:`DeprecationWarning`."""

from __future__ import annotations

import warnings

from ..judges.protocol import Judge
from ..judges.reward import RewardModelJudge, TreeRewardJudge

__all__ = ["BenchJudge", "ScalarJudge", "TreeJudge"]

warnings.warn("preftree.rewardbench.judges is deprecated: use preftree.judges.reward (RewardModelJudge, "
              "TreeRewardJudge) and the preftree.judges.protocol.Judge protocol", DeprecationWarning,
              stacklevel=2)

BenchJudge = Judge
ScalarJudge = RewardModelJudge
TreeJudge = TreeRewardJudge
