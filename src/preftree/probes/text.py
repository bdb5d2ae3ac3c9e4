"""The terminal table of a probe run: one line per judge × probe × target, each figure labelled by
what it measures (a text probe's flip rate, ``order``'s verdict changes with the order, ``same``'s
first-position share), with the edit's length change and its length-matched null beside it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._markup import plain_line

__all__ = ["format_records", "headline"]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _ci(interval: Sequence[float] | None) -> str:
    return "" if not interval else f"[{interval[0]:.0%}, {interval[1]:.0%}]"


def headline(record: dict[str, Any]) -> tuple[str, str, str]:
    """(what the row's main figure is, the figure, its interval)."""
    if record["probe"] == "same":
        return "first-position share", _pct(record.get("first_position_share")), ""
    if record["probe"] == "order":
        return "verdict changes with order", _pct(record.get("flip_rate")), _ci(record.get("flip_rate_ci"))
    return "flip rate", _pct(record.get("flip_rate")), _ci(record.get("flip_rate_ci"))


def format_records(records: Sequence[dict[str, Any]]) -> str:
    """Each row's figure (labelled), the null edit's flip rate, the edit's mean length change
    (characters) and its length-matched null, the mean shift, the tree importance of the features
    the probe edits (when given, from ``explain --probe-dir``), and any note."""
    importance = any("tree_importance" in r for r in records)
    header = (f"{'judge':<24} {'probe':<12} {'target':<7} {'n':>5} {'measure':<26} {'value':>7} {'95% CI':<11} "
              f"{'null':>6} {'Δ chars':>8} {'len-null':>8} {'mean shift':>10}" + ("  tree importance" if importance else ""))
    lines = [header, "-" * len(header)]
    for r in records:
        shift = "" if r.get("mean_shift") is None else f"{r['mean_shift']:+.3f}"
        measure, value, interval = headline(r)
        change = r.get("mean_length_change")
        matched = _pct(r.get("length_matched_flip_rate")) if r.get("length_matched_n") else ""
        line = (f"{plain_line(r['judge'])[:24]:<24} {plain_line(r['probe'])[:12]:<12} {r['target']:<7} {r['n']:>5} "
                f"{measure:<26} {value:>7} {interval:<11} "
                f"{_pct(r.get('null_flip_rate')) if r.get('null_n') is not None else '':>6} "
                f"{'' if change is None else f'{change:+.0f}':>8} {matched:>8} {shift:>10}")
        if importance:
            line += "  " + ("" if r.get("tree_importance") is None else
                            f"{r['tree_importance']:.2f} ({', '.join(r.get('matched_features') or [])})")
        extra = []
        if r["probe"] == "same" and r.get("flip_rate") is not None:
            extra.append(f"picks a side in {r['flip_rate']:.1%}")
        elif r.get("first_position_share") is not None:
            extra.append(f"first-position share {r['first_position_share']:.1%}")
        if r.get("note"):
            extra.append(plain_line(r["note"]))
        lines.append(line + (f"  ({'; '.join(extra)})" if extra else ""))
    lines.append("(null: the null edit's flip rate; Δ chars: mean characters the edit added; len-null: the flip "
                 "rate of appending as many characters of filler instead, for edits that add text)")
    return "\n".join(lines)
