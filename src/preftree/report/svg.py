"""Inline SVG figures for the HTML report: tree diagrams, the agreement heatmap, consistency bars.

Every string that comes from data goes through :func:`html.escape`; the figures carry no script.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np
import pandas as pd

from ..tree import PreferenceTree
from ..tree.text import format_number, format_percent
from ..tree.wording import split_sentence
from .tree_plot import tree_layout

__all__ = ["CHAR_WIDTH", "SCALE_HIGH", "SCALE_LOW", "agreement_order", "bars_svg", "heatmap_svg",
           "legend_svg", "shade", "tree_svg"]

SCALE_LOW, SCALE_HIGH = "#f7fbff", "#08519c"
"""The one colour scale of every figure (HTML, PNG, Markdown): 0 → ``SCALE_LOW``, 1 → ``SCALE_HIGH``."""

CHAR_WIDTH = 7.5
"""A generous width of one character of the 11 px labels, so long names are never clipped."""

TREE_MAX_WIDTH = 1150
"""Wider top-down trees would put their root off-screen: they are drawn as an outline instead."""


def shade(value: float, low: str = SCALE_LOW, high: str = SCALE_HIGH) -> str:
    """A colour between ``low`` (0) and ``high`` (1).

    >>> shade(0.0), shade(1.0)
    ('#f7fbff', '#08519c')
    """
    value = 0.0 if not np.isfinite(value) else min(max(value, 0.0), 1.0)
    a = [int(low[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * value):02x}" for x, y in zip(a, b))


def legend_svg(label: str, *, width: int = 220) -> str:
    """The colour scale as a bar from 0 to 1 with its ticks, under the figures that use it."""
    stops = "".join(f'<stop offset="{t:.1f}" stop-color="{shade(t)}"/>' for t in np.linspace(0, 1, 11))
    ticks = "".join(f'<text x="{10 + t * width:.0f}" y="34" text-anchor="middle" class="small">'
                    f"{t:g}</text>" for t in (0, 0.25, 0.5, 0.75, 1))
    return (f'<svg class="legend" xmlns="http://www.w3.org/2000/svg" width="{width + 20}" '
            f'height="40" viewBox="0 0 {width + 20} 40" role="img" aria-label="colour scale: '
            f'{escape(label)}"><defs><linearGradient id="scale">{stops}</linearGradient></defs>'
            f'<text x="10" y="10" class="small">{escape(label)}</text>'
            f'<rect x="10" y="14" width="{width}" height="10" fill="url(#scale)" stroke="#ccc"/>'
            f"{ticks}</svg>")


def _ink(value: float) -> str:
    return "#ffffff" if np.isfinite(value) and value > 0.55 else "#1a1a1a"


def _diverging(p: float) -> str:
    """Leaf colour: red for response_1, blue for response_2, white at one half."""
    return shade(2 * (p - 0.5), "#ffffff", "#2166ac") if p >= 0.5 else shade(2 * (0.5 - p), "#ffffff", "#b2182b")


def tree_svg(tree: PreferenceTree, *, node_width: int | None = None, level_height: int = 84) -> str:
    """The tree as an SVG diagram: splits (feature ≤ threshold, n) and leaves (P(response_2 better), n).
    Boxes are as wide as the longest split label needs."""
    structure = tree.structure_
    names = tree.feature_names_
    if node_width is None:  # the feature name is the box's first line: make room for the longest
        longest = max([len(names[int(structure.feature[n])]) for n in range(structure.node_count)
                       if not structure.is_leaf(n)] + [0])
        node_width = int(max(140.0, 0.9 * CHAR_WIDTH * longest + 30))
    positions = tree_layout(tree)
    classes = list(tree.classes_)
    second = classes.index(1) if 1 in classes else None
    width = int((max(x for x, _ in positions.values()) + 1) * node_width)
    height = int((max(-y for _, y in positions.values()) + 1) * level_height)
    box_w, box_h = node_width - 16, 46
    outline = width > TREE_MAX_WIDTH
    if outline:  # root top-left, children indented below it: the root is always in view
        rows = outline_rows(tree)
        indent, row_height = 60, 58
        width = int(max(depth for depth, _ in rows.values()) * indent + box_w + 24)
        height = int(len(rows) * row_height + 8)

    def centre(node: int) -> tuple[float, float]:
        if outline:
            depth, row = rows[node]
            return depth * indent + box_w / 2 + 8, row * row_height + 8
        x, y = positions[node]
        return x * node_width + node_width / 2, -y * level_height + 8

    parts = [f'<svg class="tree" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="decision tree">']
    for node in range(structure.node_count):
        if structure.is_leaf(node):
            continue
        cx, cy = centre(node)
        for child, label in ((int(structure.children_left[node]), "yes"),
                             (int(structure.children_right[node]), "no")):
            kx, ky = centre(child)
            if outline:  # an elbow from the parent's left edge down to the child's left edge
                x0 = cx - box_w / 2 + 10
                parts.append(f'<polyline points="{x0:.0f},{cy + box_h:.0f} {x0:.0f},{ky + box_h / 2:.0f} '
                             f'{kx - box_w / 2:.0f},{ky + box_h / 2:.0f}" class="edge-line" fill="none" stroke="#888" '
                             'stroke-width="1.2"/>')
                parts.append(f'<text class="edge" x="{x0 + 4:.0f}" y="{ky + box_h / 2 - 3:.0f}">{label}</text>')
                continue
            parts.append(f'<line class="edge-line" x1="{cx:.0f}" y1="{cy + box_h:.0f}" x2="{kx:.0f}" '
                         f'y2="{ky:.0f}" stroke="#888" stroke-width="1.2"/>')
            parts.append(f'<text class="edge" x="{(cx + kx) / 2:.0f}" y="{(cy + box_h + ky) / 2:.0f}" '
                         f'text-anchor="middle">{label}</text>')
    for node in range(structure.node_count):
        cx, cy = centre(node)
        counts = structure.class_counts[node]
        total = float(counts.sum()) or 1.0
        p = float(counts[second] / total) if second is not None else 0.0
        n = int(structure.n_samples[node])
        words = ""
        if structure.is_leaf(node):
            fill, first = _diverging(p), f"P(r2 better) = {p:.2f}"
            kind, second_line = "leaf", f"leaf {node} · n = {n}"
            ink = "#ffffff" if abs(p - 0.5) > 0.3 else "#1a1a1a"
        else:
            fill, ink = "#f4f4f4", "#1a1a1a"
            feature, threshold = names[int(structure.feature[node])], float(structure.threshold[node])
            first = feature
            kind, second_line = "split", f"≤ {escape(format_number(threshold))} · n = {n}"
            words = f"{split_sentence(feature, threshold, False)}? (yes: left)"
        parts.append(
            f'<g class="tree-node {kind}" data-node="{node}"><title>{escape(words or first)} (n = {n})</title>'
            f'<rect x="{cx - box_w / 2:.0f}" y="{cy:.0f}" width="{box_w}" height="{box_h}" rx="6" '
            f'fill="{fill}" stroke="#555"/>'
            f'<text x="{cx:.0f}" y="{cy + 19:.0f}" text-anchor="middle" style="fill:{ink}">{escape(first)}</text>'
            f'<text x="{cx:.0f}" y="{cy + 36:.0f}" text-anchor="middle" class="small" style="fill:{ink}">'
            f'{second_line}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def outline_rows(tree: PreferenceTree) -> dict[int, tuple[int, int]]:
    """(depth, row) of every node in pre-order: the outline layout of a wide tree."""
    structure = tree.structure_
    rows: dict[int, tuple[int, int]] = {}

    def visit(node: int, depth: int) -> None:
        rows[node] = (depth, len(rows))
        if not structure.is_leaf(node):
            visit(int(structure.children_left[node]), depth + 1)
            visit(int(structure.children_right[node]), depth + 1)

    visit(0, 0)
    return rows


def agreement_order(agreement: pd.DataFrame) -> list[str]:
    """Judges ordered by average-linkage clustering of 1 − agreement (similar judges adjacent)."""
    names = [str(n) for n in agreement.index]
    if len(names) < 3:
        return names
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    matrix = agreement.loc[agreement.index, agreement.index].to_numpy(dtype=float)
    distance = 1.0 - np.nan_to_num((matrix + matrix.T) / 2, nan=0.5)
    np.fill_diagonal(distance, 0.0)
    order = leaves_list(linkage(squareform(np.clip(distance, 0, None), checks=False), "average"))
    return [names[i] for i in order]


def heatmap_svg(agreement: pd.DataFrame, counts: pd.DataFrame | None = None, *, cell: int = 44) -> str:
    """D(A, B) as a heatmap, judges ordered by clustering; each cell's value and n on hover."""
    order = agreement_order(agreement)
    longest = CHAR_WIDTH * max(len(n) for n in order)
    label_w = int(12 + longest)
    size = label_w + cell * len(order)
    width = int(size + longest * 0.5 + 8)  # column labels lean right by cos(60°) of their length
    parts = [f'<svg class="heatmap" xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{size}" viewBox="0 0 {width} {size}" role="img" aria-label="agreement heatmap">']
    for i, name in enumerate(order):
        y = label_w + i * cell
        parts.append(f'<text x="{label_w - 6}" y="{y + cell * 0.65:.0f}" text-anchor="end">{escape(name)}</text>')
        x = label_w + i * cell + cell * 0.6
        parts.append(f'<text x="{x:.0f}" y="{label_w - 6}" transform="rotate(-60 {x:.0f} {label_w - 6})">'
                     f'{escape(name)}</text>')
    for i, row in enumerate(order):
        for j, col in enumerate(order):
            value = float(agreement.loc[row, col]) if col in agreement.columns else float("nan")
            count = np.nan if counts is None or col not in counts.columns else float(counts.loc[row, col])
            n = f", n = {int(count)}" if np.isfinite(count) else ", no common pairs"
            text = "" if not np.isfinite(value) else f"{100 * value:.0f}"
            x, y = label_w + j * cell, label_w + i * cell
            parts.append(f'<g class="cell"><title>{escape(row)} vs {escape(col)}: '
                         f'{"n/a" if not text else text + "%"}{n}</title>'
                         f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{shade(value)}"/>'
                         f'<text x="{x + cell / 2:.0f}" y="{y + cell * 0.62:.0f}" text-anchor="middle" '
                         f'class="small" fill="{_ink(value)}">{text}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(names: Sequence[str], values: Sequence[float], markers: Sequence[float] | None = None,
             *, width: int = 560, bar: int = 18) -> str:
    """Horizontal bars in [0, 1] (e.g. swap consistency), with an optional marker per bar
    (e.g. the share of verdicts for the response shown first; 0.5 = no position bias)."""
    label_w = int(12 + CHAR_WIDTH * max(len(n) for n in names))
    width = max(width, label_w + 260)
    scale = width - label_w - 60
    height = 24 + (bar + 8) * len(names)
    parts = [f'<svg class="bars" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="bar chart">']
    for i, (name, value) in enumerate(zip(names, values)):
        y = 8 + i * (bar + 8)
        length = 0 if not np.isfinite(value) else scale * min(max(value, 0.0), 1.0)
        parts.append(f'<text x="{label_w - 6}" y="{y + bar * 0.75:.0f}" text-anchor="end">{escape(name)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{length:.0f}" height="{bar}" fill="#4a7fb5">'
                     f'<title>{escape(name)}: {format_percent(value)}</title></rect>'
                     f'<text x="{label_w + length + 4:.0f}" y="{y + bar * 0.75:.0f}" class="small">'
                     f'{format_percent(value)}</text>')  # as the table says it
        if markers is not None and np.isfinite(markers[i]):
            mx = label_w + scale * markers[i]
            parts.append(f'<line x1="{mx:.0f}" y1="{y - 2}" x2="{mx:.0f}" y2="{y + bar + 2}" '
                         f'stroke="#d6604d" stroke-width="3"><title>first-shown share '
                         f'{format_percent(markers[i])}</title></line>')
    axis_y = height - 10
    half = label_w + scale / 2
    parts.append(f'<line x1="{half:.0f}" y1="4" x2="{half:.0f}" y2="{axis_y}" stroke="#bbb" '
                 'stroke-dasharray="3,3"/></svg>')
    return "".join(parts)
