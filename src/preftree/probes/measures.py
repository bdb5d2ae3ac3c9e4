"""From verdicts before and after an edit to the figures of ``probe.json``.

A *flip* is an edited pair whose verdict now prefers the response that originally lost: for the
``loser`` target the edit won the pair, for the ``winner`` target it lost it. Ties are not flips.
``mean_shift`` is the mean change of the target's side of the judge's score (positive = the edit
helped the edited response). Each flip rate has a 95 % Wilson interval and is read against the
null edit's flip rate on the same target.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..judges.protocol import Verdict
from ..tree.validation import wilson_interval

__all__ = ["PAIR_MEASURES", "EditOutcome", "pair_probe_record", "text_probe_record"]

PAIR_MEASURES = {
    "order": "share of pairs whose verdict changes with the presentation order",
    "same": "share of pairs of identical texts where the judge picks a side (which side: first_position_share)",
}
"""What ``flip_rate`` counts in a pair probe's record (it is not an edit's flip rate)."""


@dataclass(frozen=True)
class EditOutcome:
    """One edited pair: the judge's verdicts before and after, which side was edited (-1 =
    response_1) and which side originally won."""

    before: Verdict
    after: Verdict
    edited_side: int
    winner_side: int
    length_change: int | None = None  # characters the edit added to the edited response

    @property
    def flipped(self) -> bool | None:
        if self.after.preference is None:
            return None
        return self.after.preference == -self.winner_side

    @property
    def shift(self) -> float | None:
        if self.before.score is None or self.after.score is None:
            return None
        return self.edited_side * (self.after.score - self.before.score)


def _rate(flags: Sequence[bool]) -> tuple[int, float | None, list[float] | None]:
    n = len(flags)
    if n == 0:
        return 0, None, None
    k = int(sum(flags))
    low, high = wilson_interval(k, n)
    return n, k / n, [low, high]


def _finite_mean(values: Sequence[float | None]) -> float | None:
    kept = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(kept)) if kept else None


def text_probe_record(judge: Any, probe: Any, target: str, outcomes: Sequence[EditOutcome],
                      null: Sequence[EditOutcome], n_undecided: int, *, n_unchanged: int = 0,
                      length_matched: Sequence[EditOutcome] = ()) -> dict[str, Any]:
    """The record of one judge × text probe × target; ``n_unchanged`` decided pairs the edit left
    as they were (nothing for it to change) are not counted in ``n``. ``length_matched``: the
    same targets with as many characters of filler appended as the edit added, so that a flip
    rate driven by the added length alone is seen as such."""
    flags = [o.flipped for o in outcomes if o.flipped is not None]
    null_flags = [o.flipped for o in null if o.flipped is not None]
    matched_flags = [o.flipped for o in length_matched if o.flipped is not None]
    n, rate, ci = _rate(flags)
    null_n, null_rate, null_ci = _rate(null_flags)
    matched_n, matched_rate, matched_ci = _rate(matched_flags)
    changes = [float(o.length_change) for o in outcomes if o.length_change is not None]
    record: dict[str, Any] = {
        "judge": judge.name, "judge_kind": judge.kind, "probe": probe.name, "target": target,
        "n": n, "flips": int(sum(flags)), "flip_rate": rate, "flip_rate_ci": ci,
        "null_n": null_n, "null_flip_rate": null_rate, "null_flip_rate_ci": null_ci,
        "mean_shift": _finite_mean([o.shift for o in outcomes]),
        "null_mean_shift": _finite_mean([o.shift for o in null]),
        "mean_length_change": _finite_mean(changes),
        "length_matched_n": matched_n if length_matched else None,
        "length_matched_flip_rate": matched_rate, "length_matched_flip_rate_ci": matched_ci,
        "shift_unit": judge.shift_unit, "features": list(probe.features),
        "n_unanswered": len(outcomes) - n, "n_unchanged": n_unchanged, "note": None,
    }
    if not outcomes and n_unchanged:
        record["note"] = f"the edit changes none of the {n_unchanged} decided pairs (nothing for it to change)"
    elif not outcomes:
        record["note"] = (f"the judge decided none of the {n_undecided} pairs (ties or verdicts that "
                          "flip with the order), so there is no winner or loser to edit")
    elif n == 0:
        record["note"] = "no edited pair got a verdict (see the verdicts' errors)"
    elif n_unchanged:
        record["note"] = f"{n_unchanged} decided pairs left unchanged by the edit are not counted"
    return record


def pair_probe_record(judge: Any, probe: str, verdicts: Sequence[Verdict],
                      swapped: Sequence[Verdict] | None = None) -> dict[str, Any]:
    """The record of ``order`` (over the original pairs) or ``same`` (over pairs whose two
    positions hold one response).

    ``order``: a flip is a pair whose verdict changes with the presentation order (an LLM judge's
    two single-order verdicts; a scorer's verdict on the swapped pair), ``positional_consistency``
    its complement. ``same``: a flip is a verdict that picks a side between identical texts.
    ``first_position_share``: of an LLM judge's single-order picks, the share for the first-shown.
    """
    record: dict[str, Any] = {"judge": judge.name, "judge_kind": judge.kind, "probe": probe,
                              "target": "pair", "null_n": None, "null_flip_rate": None,
                              "null_flip_rate_ci": None, "mean_shift": None, "mean_length_change": None,
                              "shift_unit": judge.shift_unit, "features": [], "note": None}
    picks: list[bool] = []  # True = the first-shown response picked
    if probe == "order":
        if judge.sees_positions:
            both = [v.orders for v in verdicts if None not in v.orders]
            flags = [a != b for a, b in both]
            picks = [a == -1 for a, _ in both if a] + [b == 1 for _, b in both if b]
        else:
            assert swapped is not None
            flags = [a.preference != -b.preference for a, b in zip(verdicts, swapped)
                     if a.preference is not None and b.preference is not None]
            record["note"] = "the judge rates each response alone: no presentation order to swap"
    else:
        chosen = [v.first_order_pick for v in verdicts if v.first_order_pick is not None]
        flags = [c != 0 for c in chosen]
        picks = [c == -1 for c in chosen if c != 0] if judge.sees_positions else []
    n, rate, ci = _rate(flags)
    record.update({"n": n, "flips": int(sum(flags)), "flip_rate": rate, "flip_rate_ci": ci,
                   "first_position_share": (sum(picks) / len(picks)) if picks else None,
                   "measure": PAIR_MEASURES[probe]})
    if probe == "order":
        record["positional_consistency"] = None if rate is None else 1 - rate
    if n == 0 and record["note"] is None:
        record["note"] = "no pair got verdicts in both orders"
    return record
