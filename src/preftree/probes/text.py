"""The terminal table of a probe run: one line per judge × probe × target."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["format_records"]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _ci(interval: Sequence[float] | None) -> str:
    return "" if not interval else f"[{interval[0]:.0%}, {interval[1]:.0%}]"


def format_records(records: Sequence[dict[str, Any]]) -> str:
    """Flip rates with intervals, the null edit's, the mean shift, and any note."""
    header = f"{'judge':<24} {'probe':<12} {'target':<7} {'n':>5} {'flip rate':>9} {'95% CI':<11} " \
             f"{'null':>6} {'mean shift':>10}"
    lines = [header, "-" * len(header)]
    for r in records:
        shift = "" if r.get("mean_shift") is None else f"{r['mean_shift']:+.3f}"
        line = (f"{str(r['judge'])[:24]:<24} {r['probe'][:12]:<12} {r['target']:<7} {r['n']:>5} "
                f"{_pct(r['flip_rate']):>9} {_ci(r['flip_rate_ci']):<11} "
                f"{_pct(r.get('null_flip_rate')) if r.get('null_n') is not None else '':>6} {shift:>10}")
        extra = []
        if r.get("first_position_share") is not None:
            extra.append(f"first-position share {r['first_position_share']:.1%}")
        if r.get("note"):
            extra.append(r["note"])
        lines.append(line + (f"  ({'; '.join(extra)})" if extra else ""))
    return "\n".join(lines)
