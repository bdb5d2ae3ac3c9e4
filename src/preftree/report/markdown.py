"""The Markdown summary, with PNG figures beside it (for papers and READMEs)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import numpy as np

from .._io import atomic_write_text, output_dir, replacing_allowed
from .._markup import md_escape
from ..tree.text import format_percent as _pct
from .data import ReportData, beats_baselines, header_facts, verdict_counts
from .groups import groups_markdown
from .html import importance_matrix
from .svg import SCALE_HIGH, SCALE_LOW, agreement_order
from .tree_plot import draw_tree

__all__ = ["md_escape", "render_markdown"]


def _figures(data: ReportData, folder: Path) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.colors import LinearSegmentedColormap

    scale = LinearSegmentedColormap.from_list("preftree", [SCALE_LOW, SCALE_HIGH])  # the HTML's
    names: dict[str, str] = {}
    judges, features, mean, _, _ = importance_matrix(data)
    fig, ax = plt.subplots(figsize=(1.8 + 0.75 * len(features), 0.9 + 0.4 * len(judges)))
    image = ax.imshow(mean, cmap=scale, vmin=0, vmax=1, aspect="auto")
    fig.colorbar(image, ax=ax, label="importance (share of the tree's gain)")
    ax.set_xticks(range(len(features)), features, rotation=45, ha="right")
    ax.set_yticks(range(len(judges)), judges)
    for (i, k), value in np.ndenumerate(mean):
        ax.text(k, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                color="white" if value > 0.55 else "black")
    fig.tight_layout()
    fig.savefig(folder / "importances.png", dpi=130)
    plt.close(fig)
    names["importances"] = "importances.png"
    if data.agreement is not None and len(data.agreement) >= 2:
        order = agreement_order(data.agreement)
        matrix = data.agreement.loc[order, order].to_numpy(dtype=float)
        fig, ax = plt.subplots(figsize=(1.5 + 0.45 * len(order), 1.2 + 0.45 * len(order)))
        image = ax.imshow(matrix, cmap=scale, vmin=0, vmax=1)
        fig.colorbar(image, ax=ax, label="agreement D(A, B)")
        ax.set_xticks(range(len(order)), order, rotation=60, ha="right")
        ax.set_yticks(range(len(order)), order)
        fig.tight_layout()
        fig.savefig(folder / "agreement.png", dpi=130)
        plt.close(fig)
        names["agreement"] = "agreement.png"
    for i, judge in enumerate(data.ranked()):
        draw_tree(judge.tree, folder / f"tree_{i}.png", title=judge.name)
        names[f"tree_{i}"] = f"tree_{i}.png"
    return names


def render_markdown(data: ReportData, out: str | Path) -> Path:
    """Write ``out`` (Markdown) and its figures in ``<stem>_figures/`` beside it."""
    out = Path(out)
    figures_dir = out.with_name(f"{out.stem}_figures")
    with output_dir(figures_dir, force=replacing_allowed()) as tmp:
        figures = _figures(data, tmp)
    rel = quote(figures_dir.name)
    label = data.label
    head = ["judge", "pairs", "verdicts r1 / tie / r2", "tree accuracy (CV)", "majority",
            "best single feature", "explains more than a baseline"]
    head += [f"agreement with {md_escape(label)}"] if label else []
    head += ["consistency", "top feature"]
    lines = ["# preftree report", ""]
    lines += [f"- **{md_escape(name)}**: {md_escape(text)}" for name, text in header_facts(data)]
    lines += ["", "Trees split on Δ = feature(response_2) − feature(response_1). Figures share one "
              "colour scale, 0 (white) to 1 (dark blue), shown beside each.",
              "", "## Judges", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for judge in data.ranked():
        s = judge.summary
        best = s.get("best_single_feature") or {}
        cells = [md_escape(judge.name), str(s.get("n_pairs", "")), verdict_counts(s),
                 _pct(s.get("cv_accuracy")), _pct(s.get("majority_baseline")),
                 f"{_pct(best.get('accuracy'))} ({md_escape(best.get('feature', ''))})",
                 beats_baselines(s)]
        cells += [_pct(s.get("agreement_with_label"))] if label else []
        cells += [_pct(s.get("consistency")),
                  md_escape((s.get("importances") or [{}])[0].get("feature", ""))]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Feature importances", "", f"![importances]({rel}/{figures['importances']})", ""]
    if "agreement" in figures:
        lines += ["## Agreement between judges", "", f"![agreement]({rel}/{figures['agreement']})", ""]
    lines += ["## Trees", ""]
    for i, judge in enumerate(data.ranked()):
        name = md_escape(judge.name)
        caveat = judge.summary.get("caveat")
        lines += [f"### {name}", ""] + ([f"> **Read with care:** {md_escape(caveat)}", ""] if caveat else [])
        lines += [f"![tree of {name}]({rel}/{figures[f'tree_{i}']})", ""]
        lines += groups_markdown(judge.summary)
    atomic_write_text(out, "\n".join(lines))
    return out

