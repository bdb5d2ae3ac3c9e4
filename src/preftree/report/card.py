"""The model card of a decision-tree reward model: its architecture drawn from the loaded model
(the seed's unticked "architecture diagram"), its settings, its RewardBench row and neighbours.

One self-contained HTML page: inline CSS and SVG, no script, nothing fetched; every string from
the model, its config or the results is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._version import __version__
from .svg import tree_svg

if TYPE_CHECKING:
    from ..model import DecisionTreeRewardModel

__all__ = ["ModelCard", "architecture_svg", "card_from_model", "render_card"]


@dataclass
class ModelCard:
    """What the card shows, gathered from a loaded model (so tests can build one directly)."""

    name: str
    backbone: str
    hidden_size: int | None
    layers: int | None
    head: str
    attributes: list[str]
    tree: Any  # a fitted PreferenceTree
    settings: dict[str, Any] = field(default_factory=dict)


def card_from_model(model: DecisionTreeRewardModel) -> ModelCard:
    """Read the card's facts off a loaded :class:`DecisionTreeRewardModel` with a tree."""
    checkpoint = model.scorer.checkpoint
    config = checkpoint.config if checkpoint is not None else {}
    description = dict(model.scorer.description)
    tree = model._fitted_tree()
    meta = getattr(tree, "metadata_", {}) or {}
    settings: dict[str, Any] = {k: description.get(k) for k in ("model", "revision", "head", "dtype", "max_length",
                                                "truncation", "chat_template_sha256") if k in description}
    for key in ("tree_labels", "tree_labels_decided_by", "imported_from"):
        if key in meta:
            settings[key] = meta[key]
    settings["tree depth"] = tree.depth_
    return ModelCard(
        name=str(description.get("model") or getattr(checkpoint, "name", "model")),
        backbone=str(config.get("model_type") or (checkpoint.architecture if checkpoint else "") or "?"),
        hidden_size=config.get("hidden_size"), layers=config.get("num_hidden_layers"),
        head=str(description.get("head", "")), attributes=list(model.attributes), tree=tree,
        settings=settings)


def _box(x: float, y: float, w: float, h: float, title: str, lines: list[str], fill: str) -> str:
    text = [f'<text x="{x + w / 2:.0f}" y="{y + 20:.0f}" text-anchor="middle" font-weight="600">'
            f"{escape(title)}</text>"]
    text += [f'<text x="{x + w / 2:.0f}" y="{y + 38 + 15 * i:.0f}" text-anchor="middle" class="small">'
             f"{escape(line)}</text>" for i, line in enumerate(lines)]
    return (f'<g class="stage"><rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" rx="8" '
            f'fill="{fill}" stroke="#555"/>{"".join(text)}</g>')


def _arrow(x1: float, x2: float, y: float) -> str:
    return (f'<line x1="{x1:.0f}" y1="{y:.0f}" x2="{x2 - 6:.0f}" y2="{y:.0f}" stroke="#555" '
            f'stroke-width="1.5"/><polygon points="{x2:.0f},{y:.0f} {x2 - 8:.0f},{y - 4:.0f} '
            f'{x2 - 8:.0f},{y + 4:.0f}" fill="#555"/>')


def architecture_svg(card: ModelCard) -> str:
    """Backbone → attribute head (K ratings) → differences → the model's tree → verdict, drawn
    from the loaded model: layer and hidden sizes, attribute names, the tree's real splits."""
    k = len(card.attributes)
    stages = [
        ("backbone", [card.backbone, f"{card.layers or '?'} layers, hidden {card.hidden_size or '?'}",
                      "reads the last token"], "#eef3fb"),
        (f"attribute head ({k} ratings)", card.attributes, "#eef8ee"),
        ("differences", [f"Δ{a} = r2 − r1" for a in card.attributes], "#fdf5e6"),
        ("decision tree", [f"depth {card.tree.depth_}, {len(card.tree.structure_.leaves)} leaves",
                           "(drawn below)"], "#f4f4f4"),
        ("verdict", ["P(response 2 better)", "preference 0 = response 1", "preference 1 = response 2"],
         "#f3eefb"),
    ]
    widest = max(max(len(t) * 1.1 for t, _, _ in stages),
                 max(len(line) for _, lines, _ in stages for line in lines))
    w = min(max(140.0, 6.8 * widest + 16), 196.0)  # five stages and four arrows fit 1150 px
    h = 48 + 15 * max(k, 3)
    gap = 34
    width = len(stages) * w + (len(stages) - 1) * gap + 16
    tree = tree_svg(card.tree)
    tree_w = float(tree.split('width="', 1)[1].split('"', 1)[0])
    tree_h = float(tree.split('height="', 1)[1].split('"', 1)[0])
    top = h + 60
    total_w, total_h = max(width, tree_w + 16), top + tree_h + 10
    parts = [f'<svg class="architecture" xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" '
             f'height="{total_h:.0f}" viewBox="0 0 {total_w:.0f} {total_h:.0f}" role="img" '
             f'aria-label="architecture of {escape(card.name)}">']
    for i, (title, lines, fill) in enumerate(stages):
        x = 8 + i * (w + gap)
        parts.append(_box(x, 8, w, h, title, lines, fill))
        if i:
            parts.append(_arrow(x - gap, x, 8 + h / 2))
    tree_x = 8 + 3 * (w + gap) + w / 2
    parts.append(f'<line x1="{tree_x:.0f}" y1="{8 + h:.0f}" x2="{tree_x:.0f}" y2="{top - 10:.0f}" '
                 'stroke="#999" stroke-dasharray="4,3"/>')
    parts.append(f'<text x="12" y="{top - 16:.0f}" class="small">the tree over Δ (left branch = '
                 "condition true; leaves: P(response 2 better))</text>")
    parts.append(tree.replace('<svg class="tree"', f'<svg class="tree" x="8" y="{top:.0f}"', 1))
    parts.append("</svg>")
    return "".join(parts)


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;
color:#1a1a1a;line-height:1.45;padding:0 1rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;font-size:.9rem;margin:.6rem 0}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
.figure{overflow-x:auto;margin:.8rem 0}svg text{font-size:12px;fill:#1a1a1a}svg text.small{font-size:11px}
svg text.edge{font-size:10px;fill:#666}.muted{color:#666}tr.this{background:#fff4d6;font-weight:600}
"""


def _table(frame: pd.DataFrame, highlight: str | None = None) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        values = ["" if v is None or (isinstance(v, float) and pd.isna(v)) else
                  (f"{v:.1f}" if isinstance(v, float) else str(v)) for v in record]
        mark = ' class="this"' if highlight is not None and str(record[1]) == highlight else ""
        rows.append(f"<tr{mark}>" + "".join(f"<td>{escape(v)}</td>" for v in values) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_card(card: ModelCard, board: pd.DataFrame | None = None, *, row_model: str | None = None,
                neighbours: int = 2) -> str:
    """The card page. ``board`` is a leaderboard (:func:`preftree.rewardbench.build_leaderboard`);
    the row of ``row_model`` (default: the card's name) and ``neighbours`` rows on each side are
    shown when present."""
    settings = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
                       for k, v in card.settings.items())
    body = [f"<h1>{escape(card.name)}</h1>",
            f'<p class="muted">Decision-tree reward model card, preftree {escape(__version__)}. '
            "Drawn from the loaded model: its config, its head and its tree.</p>",
            "<h2>Architecture</h2>", f'<div class="figure">{architecture_svg(card)}</div>',
            "<h2>Settings</h2>", f"<table><tbody>{settings}</tbody></table>",
            "<h2>The tree in words</h2>", f"<pre>{escape(card.tree.export_text())}</pre>",
            "<h2>RewardBench</h2>"]
    name = row_model or card.name
    if board is None or not len(board):
        body.append('<p class="muted">No RewardBench results given (run <code>preftree rewardbench'
                    "</code> and pass its results with <code>--results</code>).</p>")
    else:
        keys = board["model"].astype(str)
        matches = [i for i, m in enumerate(keys) if m == name or m.split("/")[-1] == name.split("/")[-1]]
        if matches:
            at = matches[0]
            window = board.iloc[max(0, at - neighbours): at + neighbours + 1]
            body.append(f"<p>{escape(name)} ranks {at + 1} of {len(board)}; its neighbours:</p>")
            body.append(_table(window, highlight=str(board.iloc[at]["model"])))
        else:
            body.append(f'<p class="muted">{escape(name)} has no row in the leaderboard given; the '
                        "top of it:</p>")
            body.append(_table(board.head(2 * neighbours + 1)))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(card.name)} · preftree card</title><style>{CSS}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")
