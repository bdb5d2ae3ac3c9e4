"""Both report formats, rendered by iterating :data:`~preftree.report.sections.SECTIONS`
(looked up at each call, so a section added to the list shows in both)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import quote

from .._folders import output_dir
from .._io import atomic_write_text, replacing_allowed
from . import sections
from .data import ReportData
from .html import CSS
from .markdown import draw_figures

__all__ = ["render_html", "render_markdown"]


def _sections(data: ReportData) -> list[sections.Section]:
    """Every section, or only the standalone ones for a page without an explain folder."""
    if data.judges:
        return sections.SECTIONS
    return [s for s in sections.SECTIONS if isinstance(s, sections.STANDALONE)]


def render_html(data: ReportData, *, title: str = "preftree report") -> str:
    """The whole page as one string: inline CSS and SVG, no script, every value escaped."""
    body = f"<h1>{escape(title)}</h1>" + "".join(section.html(data) for section in _sections(data))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n")


def render_markdown(data: ReportData, out: str | Path) -> Path:
    """Write ``out`` (Markdown) and its PNG figures in ``<stem>_figures/`` beside it."""
    out = Path(out)
    figures: dict[str, str] = {}
    if data.judges:  # a page of standalone sections (a winrate file) has no figures to draw
        figures_dir = out.with_name(f"{out.stem}_figures")
        with output_dir(figures_dir, force=replacing_allowed()) as tmp:
            drawn = draw_figures(data, tmp)
        rel = quote(figures_dir.name)
        figures = {name: f"{rel}/{file}" for name, file in drawn.items()}
    lines = ["# preftree report", ""]
    for section in _sections(data):
        lines += section.markdown(data, figures)
    atomic_write_text(out, "\n".join(lines))
    return out
