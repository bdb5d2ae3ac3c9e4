"""The Markdown summary, with PNG figures beside it (for papers and READMEs)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .._markup import md_escape
from .data import ReportData
from .html import importance_matrix
from .svg import SCALE_HIGH, SCALE_LOW, agreement_order
from .tree_plot import draw_tree

__all__ = ["draw_figures", "md_escape"]


def draw_figures(data: ReportData, folder: Path) -> dict[str, str]:
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
    with warnings.catch_warnings():  # a one-judge figure is too short for tight margins: fine
        warnings.simplefilter("ignore", UserWarning)
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
