"""The win-rate section: the ranking before and after style control, the length-controlled win
rates, and a plot of the style coefficients with their intervals (from ``winrate.json``)."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from .._markup import md_cell, md_escape

__all__ = ["WinRateSection", "coefficient_svg"]

HEAD = ["model", "n", "win rate", "LC win rate", "rating", "style-controlled rating", "rank", "controlled rank", "shift",
        "note"]


def _number(value: Any, digits: int = 1, suffix: str = "") -> str:
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return ""
    return f"{value:.{digits}f}{suffix}"


def _band(row: dict[str, Any], key: str) -> str:
    low, high = row.get(f"{key}_low"), row.get(f"{key}_high")
    point = _number(row.get(key), 0)
    if point and _number(low, 0) and _number(high, 0):
        return f"{point} [{_number(low, 0)}, {_number(high, 0)}]"
    return point


def _rows(document: dict[str, Any]) -> list[list[str]]:
    rows = []
    for row in document.get("models", []):
        se = _number(row.get("win_rate_se"))
        lc_se = _number(row.get("lc_se"))
        shift = row.get("rank_shift")
        rows.append([str(row["model"]), _number(row.get("n"), 0),
                     _number(row.get("win_rate"), 1, "%") + (f" ± {se}" if se else ""),
                     _number(row.get("lc_win_rate"), 1, "%") + (f" ± {lc_se}" if lc_se else ""),
                     _band(row, "rating"), _band(row, "sc_rating"), _number(row.get("rank"), 0),
                     _number(row.get("sc_rank"), 0),
                     "" if shift is None else f"{int(shift):+d}" if shift else "0",
                     row.get("note") if isinstance(row.get("note"), str) else ""])
    return rows


def _warnings(document: dict[str, Any]) -> list[str]:
    """Figures left empty (not identified by the data) and shared terms to read with care."""
    return [f"{w['model']}: {w['reason']}" for w in document.get("warnings") or []
            if isinstance(w, dict) and isinstance(w.get("model"), str) and isinstance(w.get("reason"), str)]


def coefficient_svg(coefficients: list[dict[str, Any]], *, width: int = 560, row: int = 22) -> str:
    """Each style coefficient as a dot with its 95 % interval, around a zero line."""
    usable = [c for c in coefficients if all(isinstance(c.get(k), (int, float)) and math.isfinite(c[k])
                                             for k in ("coefficient", "low", "high"))]
    if not usable:
        return ""
    label_w = 12 + 7 * max(len(str(c["feature"])) for c in usable)
    extent = max(max(abs(c["low"]), abs(c["high"]), abs(c["coefficient"])) for c in usable) or 1.0
    scale = (width - label_w - 30) / (2 * extent)
    zero = label_w + 10 + extent * scale
    height = 30 + row * len(usable)
    parts = [f'<svg class="coefficients" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="style coefficients">',
             f'<line x1="{zero:.0f}" y1="4" x2="{zero:.0f}" y2="{height - 20}" stroke="#bbb" stroke-dasharray="3,3"/>']
    for i, c in enumerate(usable):
        y = 14 + i * row
        name = escape(str(c["feature"]))
        x, lo, hi = (zero + scale * c[k] for k in ("coefficient", "low", "high"))
        parts.append(f'<text x="{label_w}" y="{y + 4}" text-anchor="end">{name}</text>'
                     f'<line x1="{lo:.1f}" y1="{y}" x2="{hi:.1f}" y2="{y}" stroke="#4a7fb5" stroke-width="2"/>'
                     f'<circle cx="{x:.1f}" cy="{y}" r="4" fill="#4a7fb5"><title>{name}: '
                     f'{c["coefficient"]:+.3f} [{c["low"]:+.3f}, {c["high"]:+.3f}]</title></circle>')
    parts.append(f'<text x="{zero:.0f}" y="{height - 6}" text-anchor="middle" class="small">0 '
                 '(log-odds per standard deviation)</text></svg>')
    return "".join(parts)


def _intro(document: dict[str, Any]) -> str:
    style = document.get("style_control") or {}
    length = document.get("length_control") or {}
    parts = [f"Against the baseline {document.get('baseline')}: win rate (ties half) and the "
             "length-controlled win rate (AlpacaEval's GLM, the length term at zero"]
    if length:
        phi = length.get("length_coefficient")
        parts.append(f"; length coefficient {phi:+.2f}" if isinstance(phi, (int, float)) else
                     "; length coefficient not identified")
        parts.append(f", instruction difficulties {length.get('difficulties')}")
    parts.append("). Ratings: Bradley–Terry on the Elo scale, 95 % bootstrap intervals")
    if style.get("features"):
        parts.append(f"; controlled for {', '.join(map(str, style['features']))}")
    parts.append(". A positive shift: the model ranks higher once style is controlled.")
    return "".join(parts)


class WinRateSection:
    """The models' win rates and ratings, before and after style control."""

    def html(self, data: Any) -> str:
        document = getattr(data, "winrate", None)
        if not document:
            return ""
        head = "".join(f"<th>{escape(h)}</th>" for h in HEAD)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>"
                       for cells in _rows(document))
        parts = ['<h2 id="winrate">Win rates with and without style control</h2>',
                 f'<p class="muted">{escape(_intro(document))}</p>',
                 f'<div class="figure"><table class="winrate"><thead><tr>{head}</tr></thead>'
                 f"<tbody>{body}</tbody></table></div>"]
        warnings = _warnings(document)
        if warnings:
            parts.append('<p class="warning">Figures the data cannot support are left empty:</p><ul class="warnings">'
                         + "".join(f"<li>{escape(w)}</li>" for w in warnings) + "</ul>")
        plot = coefficient_svg((document.get("style_control") or {}).get("coefficients", []))
        if plot:
            parts.append(f'<h3>Style coefficients</h3><div class="figure">{plot}</div>')
        trees = document.get("trees") or {}
        for key, title in (("residual", "What the judge rewards beyond the controlled features (residual tree)"),
                           ("ordinary", "The ordinary tree over the same features")):
            text = (trees.get(key) or {}).get("text")
            if isinstance(text, str):
                parts.append(f"<h3>{escape(title)}</h3><pre>{escape(text)}</pre>")
        return "".join(parts)

    def markdown(self, data: Any, figures: dict[str, str]) -> list[str]:
        document = getattr(data, "winrate", None)
        if not document:
            return []
        lines = ["## Win rates with and without style control", "", md_escape(_intro(document)), "",
                 "| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
        lines += ["| " + " | ".join(md_cell(c) for c in cells) + " |" for cells in _rows(document)]
        warnings = _warnings(document)
        if warnings:
            lines += ["", "Figures the data cannot support are left empty:", ""]
            lines += [f"- {md_escape(w)}" for w in warnings]
        coefficients = (document.get("style_control") or {}).get("coefficients", [])
        if coefficients:
            lines += ["", "| style feature | coefficient | 95% interval |", "|---|---|---|"]
            lines += [f"| {md_cell(str(c['feature']))} | {_number(c.get('coefficient'), 3)} | "
                      f"[{_number(c.get('low'), 3)}, {_number(c.get('high'), 3)}] |" for c in coefficients]
        text = ((document.get("trees") or {}).get("residual") or {}).get("text")
        if isinstance(text, str):
            lines += ["", "Residual tree (what the judge rewards beyond the controlled features):", "",
                      "```", text.replace("```", "'''"), "```"]
        return [*lines, ""]
