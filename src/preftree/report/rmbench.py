"""The RM-Bench section: per scorer and domain the 3×3 matrix (chosen style × rejected style) as a
heatmap with its hard / normal / easy accuracies, position consistency for a judge asked in both
orders, and the scorer's published leaderboard row beside it (marked: not run here). Read from
``preftree rewardbench --benchmark rm-bench`` results files; every name from them is escaped."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path
from typing import Any

from ..data.rm_bench_layout import SHORT_STYLES
from ..errors import InputError
from .svg import CHAR_WIDTH, _ink, legend_svg, shade

__all__ = ["RMBenchSection", "is_rm_bench_results", "load_rm_bench_results", "matrix_svg", "published_for"]


def _share(value: Any) -> float:
    from ..rewardbench.rmbench_board import share

    number = share(value)
    return float("nan") if number is None else number


def _text(value: Any) -> str:
    """Text from a results file for HTML: control characters shown as "?", then escaped."""
    from .._markup import plain_line

    return escape(plain_line(str(value)))


def matrix_svg(matrix: list[list[Any]], title: str, *, cell: int = 46) -> str:
    """One domain's matrix: rows the chosen answer's style, columns the rejected one's; above the
    diagonal (hard) is where style and substance pull apart."""
    label_w = int(12 + CHAR_WIDTH * max(len(s) for s in SHORT_STYLES))
    top = 34
    width, height = label_w + 3 * cell + 10, top + 3 * cell + 22
    from .._markup import plain_line

    parts = [f'<svg class="rmbench" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(plain_line(title))}">',
             f'<text x="{label_w}" y="12" class="small">rejected answer&#8217;s style &#8594;</text>']
    for j, style in enumerate(SHORT_STYLES):
        parts.append(f'<text x="{label_w + j * cell + cell / 2:.0f}" y="{top - 6}" text-anchor="middle" '
                     f'class="small">{style}</text>')
    for i, style in enumerate(SHORT_STYLES):
        y = top + i * cell
        parts.append(f'<text x="{label_w - 6}" y="{y + cell * 0.6:.0f}" text-anchor="end" class="small">{style}</text>')
        row = matrix[i] if i < len(matrix) and isinstance(matrix[i], list) else []
        for j in range(3):
            value = _share(row[j]) if j < len(row) else float("nan")
            text = "" if not math.isfinite(value) else f"{100 * value:.0f}"
            kind = "hard" if i < j else "easy" if i > j else "normal"
            x = label_w + j * cell
            parts.append(f'<g class="cell"><title>chosen {SHORT_STYLES[i]} vs rejected {SHORT_STYLES[j]} '
                         f'({kind}): {text + "%" if text else "n/a"}</title>'
                         f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{shade(value)}" '
                         f'stroke="{"#d95f02" if kind == "hard" else "#fff"}"/>'
                         f'<text x="{x + cell / 2:.0f}" y="{y + cell * 0.62:.0f}" text-anchor="middle" '
                         f'class="small" fill="{_ink(value)}">{text}</text></g>')
    parts.append(f'<text x="4" y="{height - 6}" class="small">&#8593; chosen answer&#8217;s style</text></svg>')
    return "".join(parts)


def is_rm_bench_results(path: Path) -> bool:
    """Whether ``path`` says it is an RM-Bench results file (``"benchmark": "rm-bench"``); whether
    its figures hold is checked when it is loaded."""
    if not (path.is_file() and path.suffix.lower() == ".json"):
        return False
    try:
        from .._inputs import read_json_file
        from ..rewardbench.leaderboard import RESULTS_LIMIT

        document = read_json_file(path, limit=RESULTS_LIMIT, what="results file")
    except InputError:
        return False
    return isinstance(document, dict) and document.get("benchmark") == "rm-bench"


def load_rm_bench_results(path: Path) -> dict[str, Any] | None:
    """An RM-Bench results document whose figures agree with each other, or None for another
    JSON object (bounded read)."""
    from .._inputs import read_json_file
    from ..rewardbench.leaderboard import RESULTS_LIMIT
    from ..rewardbench.rmbench_board import check_rm_bench_document

    document = read_json_file(path, limit=RESULTS_LIMIT, what="results file")
    if not isinstance(document, dict) or document.get("benchmark") != "rm-bench":
        return None
    check_rm_bench_document(document, path)
    return document


def published_for(result: dict[str, Any], published: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The published row of the result's model (matched on the last part of its name)."""
    name = str(result.get("leaderboard_name") or result.get("model") or "")
    from ..rewardbench.leaderboard import model_key

    return published.get(model_key(name))


def _pct(value: Any) -> str:
    share = _share(value)
    return "" if not math.isfinite(share) else f"{100 * share:.1f}"


class RMBenchSection:
    """RM-Bench matrices per scorer and domain, with the published row beside."""

    def html(self, data: Any) -> str:
        results = getattr(data, "rm_bench", None) or []
        if not results:
            return ""
        published = getattr(data, "rm_bench_published", None) or {}
        parts = ['<h2 id="rm-bench">RM-Bench: style against substance</h2>',
                 '<p class="muted">Each matrix: the share of prompts where the chosen answer in the row&#8217;s '
                 "style beats the rejected answer in the column&#8217;s (a tie is wrong). Hard (above the "
                 "diagonal): the chosen answer is plainer than the rejected one; normal: the same style; "
                 "easy: the chosen answer is fancier. Hard cells have an orange edge.</p>"]
        for result in results:
            name = str(result.get("leaderboard_name") or result.get("model"))
            parts.append(f"<h3>{_text(name)}</h3><p>overall {_pct(result.get('total_avg_acc'))}: hard "
                         f"{_pct(result.get('hard_acc'))}, normal {_pct(result.get('normal_acc'))}, easy "
                         f"{_pct(result.get('easy_acc'))} ({_text(result.get('model_type', ''))})</p>")
            row = published_for(result, published)
            if row:
                shown = ", ".join(f"{k} {v:.1f}" for k, v in row.items() if isinstance(v, float) and math.isfinite(v))
                parts.append(f'<p class="muted">Published (RM-Bench leaderboard, not run here): {_text(shown)}</p>')
            figures = []
            for domain, figures_of in (result.get("domains") or {}).items():
                if not isinstance(figures_of, dict) or not isinstance(figures_of.get("matrix"), list):
                    continue
                caption = (f"{_text(domain)}: hard {_pct(figures_of.get('hard_acc'))}, normal "
                           f"{_pct(figures_of.get('normal_acc'))}, easy {_pct(figures_of.get('easy_acc'))}")
                svg = matrix_svg(figures_of["matrix"], f"{name} {domain}")
                figures.append(f'<figure class="rmbench" style="display:inline-block;margin:0 18px 12px 0">{svg}'
                               f"<figcaption>{caption}</figcaption></figure>")
            parts.append(f'<div class="figure">{"".join(figures)}</div>')
            consistency = result.get("position_consistency")
            if isinstance(consistency, dict):
                parts.append(f"<p>Position consistency: {_pct(consistency.get('overall'))}% of the comparisons got "
                             f"the same verdict in both orders; the answer shown first was picked in "
                             f"{_pct(consistency.get('first_position_share'))}% of the answers.</p>")
            if isinstance(result.get("note"), str):
                parts.append(f'<p class="warning">{_text(result["note"])}</p>')
        parts.append(f'<div class="figure">{legend_svg("share of comparisons won")}</div>')
        return "".join(parts)

    def markdown(self, data: Any, figures: dict[str, str]) -> list[str]:
        results = getattr(data, "rm_bench", None) or []
        if not results:
            return []
        from ..rewardbench.rmbench_text import markdown_section

        return markdown_section(results, getattr(data, "rm_bench_published", None) or {})
