"""Drawing a PreferenceTree as a diagram with matplotlib (PNG or SVG)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._io import atomic_path
from ..tree.text import format_number

if TYPE_CHECKING:
    from ..tree.estimator import PreferenceTree

__all__ = ["draw_tree", "tree_layout"]


def tree_layout(tree: PreferenceTree) -> dict[int, tuple[float, float]]:
    """(x, y) of every node: leaves evenly spaced left to right, parents centred above children."""
    structure = tree.structure_
    positions: dict[int, tuple[float, float]] = {}
    next_leaf = [0.0]

    def place(node: int, level: int) -> float:
        if structure.is_leaf(node):
            x = next_leaf[0]
            next_leaf[0] += 1.0
        else:
            x = (place(int(structure.children_left[node]), level + 1)
                 + place(int(structure.children_right[node]), level + 1)) / 2
        positions[node] = (x, -float(level))
        return x

    place(0, 0)
    return positions


def draw_tree(tree: PreferenceTree, path: str | Path, *, title: str | None = None) -> None:
    """Save the tree diagram; the format follows the suffix (``.png``, ``.svg``, ``.pdf``).
    A name in a script the installed fonts lack draws as boxes, without a warning per glyph."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from")
        _draw_tree(tree, path, title=title)


def _draw_tree(tree: PreferenceTree, path: str | Path, *, title: str | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    structure = tree.structure_
    names = tree.feature_names_
    positions = tree_layout(tree)
    n_leaves = max(1, len(structure.leaves))
    depth = max(1, structure.depth())
    figure, axes = plt.subplots(figsize=(max(6.0, 2.3 * n_leaves), 1.0 + 1.6 * (depth + 1)))
    axes.set_axis_off()
    classes = [int(c) for c in tree.classes_]
    colormap = plt.get_cmap("coolwarm")
    for node, (x, y) in positions.items():
        if not structure.is_leaf(node):
            for child, label in ((int(structure.children_left[node]), "yes"),
                                 (int(structure.children_right[node]), "no")):
                cx, cy = positions[child]
                axes.plot([x, cx], [y, cy], color="#888888", linewidth=1, zorder=1)
                axes.text((x + cx) / 2, (y + cy) / 2, label, fontsize=8, color="#555555",
                          ha="center", va="center", backgroundcolor="white", zorder=2)
    for node, (x, y) in positions.items():
        proba = structure.proba(np.array([node]))[0]
        p2 = proba[classes.index(1)] if 1 in classes else 0.0
        n = int(structure.n_samples[node])
        if structure.is_leaf(node):
            text = f"P(response_2 better)\n= {p2:.2f}\nn = {n}"
            face = colormap(p2)
        else:
            text = (f"{names[int(structure.feature[node])]}\n"
                    f"≤ {format_number(float(structure.threshold[node]))}\nn = {n}")
            face = "#f4f4f4"
        axes.text(x, y, text, ha="center", va="center", fontsize=8, zorder=3,
                  bbox={"boxstyle": "round,pad=0.4", "facecolor": face, "edgecolor": "#444444"})
    xs = [p[0] for p in positions.values()]
    axes.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    axes.set_ylim(-depth - 0.6, 0.6)
    if title:
        axes.set_title(title, fontsize=10)
    figure.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=120)
    plt.close(figure)
