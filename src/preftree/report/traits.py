"""The report's trait section: Feedback Forensics' view of each judge — its traits' strengths with
95 % intervals, shown sorted by strength, by relevance or by name (a choice made with radio
buttons and CSS: the report runs no script), each trait opening onto the pairs where it agrees
and disagrees with the judge. Everything shown is escaped: trait names and texts are data."""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from .._markup import md_cell
from ..errors import InputError

__all__ = ["TraitSection", "load_trait_files", "load_trait_groups"]

EXAMPLES_LIMIT = 16 << 20
ORDERS = (("strength", "by strength"), ("relevance", "by relevance"), ("trait", "by name"))
_NUMBERS = ("n", "agree", "disagree", "not_applicable", "accuracy", "relevance", "kappa", "strength",
            "strength_low", "strength_high", "p_value")


def load_trait_groups(folder: Path) -> pd.DataFrame | None:
    """``traits_by_group.csv`` (explain with ``--by``): the metrics within each group."""
    path = folder / "traits_by_group.csv"
    if not path.is_file():
        return None
    from ..data.files import read_table

    frame = read_table(path).frame
    if "group" not in frame.columns or "strength" not in frame.columns:
        raise InputError("traits_by_group.csv lacks 'group' or 'strength'", path=path)
    frame["strength"] = pd.to_numeric(frame["strength"], errors="coerce")
    if (frame["strength"].abs() > 1).any():
        raise InputError("traits_by_group.csv: strength must lie in [-1, 1]", path=path)
    return frame


def load_trait_files(folder: Path) -> tuple[pd.DataFrame | None, dict[str, Any]]:
    """``traits.csv`` and ``trait_examples.json`` of an explain folder, checked: numbers are
    numbers in their ranges, examples are texts."""
    from .._inputs import read_input_text

    path = folder / "traits.csv"
    if not path.is_file():
        return None, {}
    from ..data.files import read_table

    table = read_table(path)
    frame = table.frame
    missing = [c for c in ("judge", "trait", *_NUMBERS) if c not in frame.columns]
    if missing:
        raise InputError(f"traits.csv lacks {missing}", path=path)
    for column in _NUMBERS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    bad = frame[(frame["strength"].abs() > 1) | (frame["relevance"] > 1) | (frame["relevance"] < 0)]
    if len(bad):
        raise InputError("traits.csv: strength must lie in [-1, 1] and relevance in [0, 1]", path=path)
    examples: dict[str, Any] = {}
    source = folder / "trait_examples.json"
    if source.is_file():
        try:
            examples = json.loads(read_input_text(source, limit=EXAMPLES_LIMIT, what="trait examples file"))
        except (ValueError, RecursionError):
            raise InputError("not valid JSON", path=source) from None
        if not isinstance(examples, dict):
            raise InputError("expected an object of judges", path=source)
    return frame, examples


def _number(value: Any, digits: str = "+.3f") -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, digits)


def _examples_html(examples: dict[str, Any], judge: str, trait: str) -> str:
    kinds = examples.get(judge, {}).get(trait, {}) if isinstance(examples.get(judge), dict) else {}
    blocks = []
    for kind in ("agree", "disagree"):
        items = kinds.get(kind, []) if isinstance(kinds, dict) else []
        shown = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            fields = {k: escape(str(item.get(k, ""))) for k in ("id", "prompt", "response_1", "response_2")}
            prefers = "response 2" if item.get("judge_prefers") == 1 else "response 1"
            shown.append(f'<div class="example"><b>{fields["id"]}</b> — judge prefers {prefers}<br>'
                         f'<i>prompt</i>: {fields["prompt"]}<br><i>response 1</i>: {fields["response_1"]}<br>'
                         f'<i>response 2</i>: {fields["response_2"]}</div>')
        blocks.append(f"<p><b>{kind}s</b> ({len(shown)} shown)</p>" + ("".join(shown) or "<p>none</p>"))
    return "".join(blocks)


def _table(rows: pd.DataFrame, examples: dict[str, Any], judge: str) -> str:
    body = []
    for row in rows.itertuples(index=False):
        low, high, strength = row.strength_low, row.strength_high, row.strength
        bar = ""
        if not any(isinstance(v, float) and math.isnan(v) for v in (low, high, strength)):
            left, width = 50 + 50 * low, max(0.5, 50 * (high - low))
            bar = (f'<div class="ci"><span style="left:{left:.1f}%;width:{width:.1f}%"></span>'
                   f'<i style="left:{50 + 50 * strength:.1f}%"></i></div>')
        body.append(
            f"<tr><td><details><summary>{escape(str(row.trait)[:200])}</summary>"
            f"{_examples_html(examples, judge, str(row.trait))}</details></td>"
            f"<td>{_number(strength)}</td><td>[{_number(low, '+.2f')}, {_number(high, '+.2f')}]</td><td>{bar}</td>"
            f"<td>{_number(row.accuracy, '.1%')}</td><td>{_number(row.relevance, '.1%')}</td>"
            f"<td>{_number(row.n, '.0f')}</td><td>{_number(row.p_value, '.3g')}</td></tr>")
    return ("<table class='traits'><thead><tr><th>trait</th><th>strength</th><th>95% interval</th><th></th>"
            "<th>accuracy</th><th>relevance</th><th>pairs</th><th>p</th></tr></thead><tbody>"
            + "".join(body) + "</tbody></table>")


def _overview(frame: pd.DataFrame, limit: int = 40) -> str:
    """Every judge (or dataset) as a column, every trait a row, cells the strength: Feedback
    Forensics' side-by-side view; the traits strongest anywhere first."""
    judges = list(dict.fromkeys(frame["judge"].astype(str)))
    if len(judges) < 2:
        return ""
    table = frame.pivot_table(index="trait", columns="judge", values="strength", aggfunc="first")
    order = table.abs().max(axis=1).sort_values(ascending=False).index[:limit]
    head = "".join(f"<th>{escape(j)}</th>" for j in judges)
    rows = "".join(f"<tr><td>{escape(str(t))}</td>"
                   + "".join(f"<td>{_number(table.at[t, j]) if j in table.columns else ''}</td>" for j in judges)
                   + "</tr>" for t in order)
    return (f"<div class='figure'><table class='traits'><thead><tr><th>strength</th>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table></div>")


class TraitSection:
    """Strengths of every trait for every judge (``traits.csv``), with the example viewer."""

    def html(self, data: Any) -> str:
        frame, examples = getattr(data, "traits", None), getattr(data, "trait_examples", {}) or {}
        if frame is None or len(frame) == 0:
            return ""
        parts = ["<h2>Traits</h2><p class='muted'>Feedback Forensics' metrics: strength = κ × relevance = "
                 "(agree − disagree) / pairs the judge decided; accuracy = agree / (agree + disagree); "
                 "relevance = share of pairs where the trait picks a response. Click a trait for pairs "
                 "where it agrees and where it disagrees with the judge.</p>", _overview(frame)]
        groups = getattr(data, "trait_groups", None)
        if groups is not None and len(groups):
            parts.append("<h3>By group</h3>" + _overview(groups.assign(
                judge=[f"{j} · {g}" for j, g in zip(groups["judge"].astype(str), groups["group"].astype(str))])))
        for index, (judge, rows) in enumerate(frame.groupby("judge", sort=False)):
            group = f"traits-{index}"
            views = []
            for position, (column, label) in enumerate(ORDERS):
                ascending = column == "trait"
                key = rows[column].abs() if column == "strength" else rows[column]
                ordered = rows.assign(_k=key).sort_values("_k", ascending=ascending, kind="stable")
                checked = " checked" if position == 0 else ""
                views.append(f'<input type="radio" name="{group}" id="{group}-{column}" class="sort"{checked}>'
                             f'<label for="{group}-{column}">{label}</label>')
                views.append(f'<div class="view">{_table(ordered, examples, str(judge))}</div>')
            parts.append(f"<h3>{escape(str(judge))}</h3><div class='sorted'>{''.join(views)}</div>")
        return "".join(parts)

    def markdown(self, data: Any, figures: dict[str, str]) -> list[str]:
        frame = getattr(data, "traits", None)
        if frame is None or len(frame) == 0:
            return []
        lines = ["## Traits", "", "Feedback Forensics' metrics (strength = κ × relevance); all rows in traits.csv.", ""]
        for judge, rows in frame.groupby("judge", sort=False):
            lines += [f"### {md_cell(str(judge))}", "", "| trait | strength | 95% interval | accuracy | relevance | p |",
                      "|---|---|---|---|---|---|"]
            for row in rows.head(12).itertuples(index=False):
                lines.append(f"| {md_cell(str(row.trait))} | {_number(row.strength)} | "
                             f"[{_number(row.strength_low, '+.2f')}, {_number(row.strength_high, '+.2f')}] | "
                             f"{_number(row.accuracy, '.1%')} | {_number(row.relevance, '.1%')} | {_number(row.p_value, '.3g')} |")
            lines.append("")
        return lines
