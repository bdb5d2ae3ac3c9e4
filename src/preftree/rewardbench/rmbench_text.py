"""RM-Bench results as text: the terminal's lines and the Markdown of the report (matrices as
tables, percentages). Names from a results file are data: they are quoted as Markdown cells."""

from __future__ import annotations

import math
from typing import Any

from ..data.rm_bench_layout import SHORT_STYLES as SHORT
from ..data.rm_bench_layout import STYLES

__all__ = ["DIFFICULTY_READING", "markdown_section", "rm_bench_lines"]

DIFFICULTY_READING = ("hard: the chosen answer plainer than the rejected one (above the diagonal); normal: "
                      "the same style (the diagonal); easy: the chosen answer fancier (below)")


def _pct(value: Any) -> str:
    from .rmbench_board import share

    number = share(value)
    return "" if number is None else f"{100 * number:.1f}"


def _band(intervals: dict[str, Any], group: str, name: str) -> str:
    interval = (intervals.get(group) or {}).get(name)
    return f"[{100 * interval[0]:.1f}, {100 * interval[1]:.1f}]" if interval else ""


def rm_bench_lines(result: dict[str, Any]) -> list[str]:
    """The domain table, the overall row with its interval, each domain's matrix, position
    consistency for a judge asked in both orders, and the note on missing domains."""
    from .._markup import plain_line

    intervals = result.get("intervals") or {}
    lines = [plain_line(f"RM-Bench, {result.get('model')}: {result['n_prompts']:,} prompts, "
                        f"{result['n_comparisons']:,} comparisons; accuracy in %"),
             f"{'domain':<10}{'hard':>7}{'normal':>8}{'easy':>7}{'average':>9}  95% interval (average)"]
    for domain, figures in result["domains"].items():
        lines.append(f"{domain:<10}{_pct(figures['hard_acc']):>7}{_pct(figures['normal_acc']):>8}"
                     f"{_pct(figures['easy_acc']):>7}{_pct(figures['average']):>9}  "
                     f"{_band(intervals, domain, 'average')}")
    lines.append(f"{'overall':<10}{_pct(result['hard_acc']):>7}{_pct(result['normal_acc']):>8}"
                 f"{_pct(result['easy_acc']):>7}{_pct(result['total_avg_acc']):>9}  "
                 f"{_band(intervals, 'overall', 'total_avg_acc')}")
    lines.append("matrix: rows the chosen answer's style, columns the rejected one's (concise, plain, markdown)")
    for domain, figures in result["domains"].items():
        cells = ["  ".join(f"{_pct(v):>5}" for v in row) for row in figures["matrix"]]
        lines.append(f"  {domain:<8}" + "  |  ".join(cells))
    consistency = result.get("position_consistency")
    if consistency:
        lines.append(f"position consistency: {100 * consistency['overall']:.1f}% of the comparisons got the "
                     f"same verdict in both orders; the answer shown first was picked in "
                     f"{100 * consistency['first_position_share']:.1f}% of the answers")
    if result.get("verdicts"):
        counts = result["verdicts"]
        lines.append(f"answers (both orders): {counts['chosen']} chosen, {counts['rejected']} rejected, "
                     f"{counts['tie']} ties, {counts['unparsable']} unparsable, {counts['empty']} empty (a tie or "
                     "no verdict is a wrong comparison)")
    lines.append(DIFFICULTY_READING)
    for reason in result.get("intervals_not_computed", []):
        lines.append(plain_line(f"no interval for {reason}"))
    if result.get("note"):
        lines.append(plain_line(f"note: {result['note']}"))
    return lines


def markdown_section(results: list[dict[str, Any]], published: dict[str, dict[str, float]] | None = None) -> list[str]:
    """Markdown: per scorer and domain the 3×3 matrix (percent), its hard / normal / easy, and the
    scorer's published row when there is one."""
    from .._markup import md_cell
    from .leaderboard import model_key

    lines = ["## RM-Bench: style against substance", "", DIFFICULTY_READING + ".", ""]
    for result in results:
        name = str(result.get("leaderboard_name") or result.get("model"))
        lines += [f"### {md_cell(name)}", "",
                  f"overall {_pct(result.get('total_avg_acc'))}: hard {_pct(result.get('hard_acc'))}, normal "
                  f"{_pct(result.get('normal_acc'))}, easy {_pct(result.get('easy_acc'))}", ""]
        row = (published or {}).get(model_key(name))
        if row:
            shown = ", ".join(f"{k} {v:.1f}" for k, v in row.items() if isinstance(v, float) and math.isfinite(v))
            lines += [f"published (RM-Bench leaderboard, not run here): {md_cell(shown)}", ""]
        for domain, figures in (result.get("domains") or {}).items():
            if not isinstance(figures, dict) or not isinstance(figures.get("matrix"), list):
                continue
            lines += [f"**{md_cell(domain)}** (hard {_pct(figures.get('hard_acc'))}, normal "
                      f"{_pct(figures.get('normal_acc'))}, easy {_pct(figures.get('easy_acc'))})", "",
                      "| chosen ↓ / rejected → | " + " | ".join(SHORT) + " |", "|---|---|---|---|"]
            for style, values in zip(STYLES, figures["matrix"]):
                cells = values[:3] if isinstance(values, list) else []
                lines.append(f"| {style} | " + " | ".join(_pct(v) for v in cells) + " |")
            lines.append("")
        consistency = result.get("position_consistency")
        if isinstance(consistency, dict):
            lines += [f"position consistency: {_pct(consistency.get('overall'))}% of the comparisons got the same "
                      f"verdict in both orders; the answer shown first was picked in "
                      f"{_pct(consistency.get('first_position_share'))}%", ""]
        if isinstance(result.get("note"), str):
            lines += [f"note: {md_cell(result['note'])}", ""]
    return lines
