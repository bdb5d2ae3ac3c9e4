"""Several judges as one: each pair's verdict is the majority of the members' verdicts (a tie when
they split evenly), and its score the mean vote toward response_2. Votes, not scores, are pooled:
members measure their scores in different units (a reward margin, a probability)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..data.model import PairSet
from ..errors import InputError
from .protocol import Judge, Verdict, check_verdict_count

__all__ = ["EnsembleJudge"]


class EnsembleJudge:
    """The majority of ``members``; a pair none of them decided has no verdict."""

    kind, shift_unit = "ensemble", "mean vote toward the target"

    def __init__(self, members: Sequence[Judge], *, name: str | None = None) -> None:
        if len(members) < 2:
            raise InputError("an ensemble needs at least two judges")
        self.members = list(members)
        self.name = name or "+".join(m.name for m in self.members)
        self.sees_positions = any(m.sees_positions for m in self.members)

    def describe(self) -> dict[str, Any]:
        return {"model": self.name, "kind": self.kind, "members": [m.describe() for m in self.members]}

    @property
    def api_errors(self) -> int:
        """The members' API errors so far (a command stops on them rather than count them as ties)."""
        return sum(int(getattr(m, "api_errors", 0)) for m in self.members)

    def verdicts(self, pairs: PairSet, stage: str) -> list[Verdict]:
        ballots = [m.verdicts(pairs, stage) for m in self.members]
        for member, ballot in zip(self.members, ballots):
            check_verdict_count(member, ballot, len(pairs))
        verdicts = []
        for votes in zip(*ballots):
            known = [v.preference for v in votes if v.preference is not None]
            if not known:
                verdicts.append(Verdict(None, None))
                continue
            mean = float(np.mean(known))
            orders = (_majority([_in_order(v, 0) for v in votes]), _majority([_in_order(v, 1) for v in votes])) \
                if self.sees_positions else (None, None)
            verdicts.append(Verdict(int(np.sign(mean)), mean / 2, orders))
        return verdicts


def _in_order(verdict: Verdict, order: int) -> int | None:
    """A member's verdict in one presentation order: its own when it sees positions, else its
    verdict (the same in both orders)."""
    return verdict.orders[order] if verdict.orders[order] is not None else verdict.preference


def _majority(votes: list[int | None]) -> int | None:
    known = [v for v in votes if v is not None]
    return None if not known else int(np.sign(np.mean(known)))
