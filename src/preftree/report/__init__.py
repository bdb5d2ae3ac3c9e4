"""Figures and the self-contained HTML report, rendered from explain's outputs (no refitting)."""

from __future__ import annotations

from .data import JudgeReport, ReportData, load_report_data
from .html import render_html
from .markdown import render_markdown

__all__ = ["JudgeReport", "ReportData", "load_report_data", "render_html", "render_markdown",
           "write_report"]


def write_report(explain_dir: str, out: str, fmt: str = "html") -> str:
    """Render ``preftree explain``'s output folder to ``out`` (HTML, or Markdown + PNGs)."""
    from .._io import atomic_write_text

    data = load_report_data(explain_dir)
    if fmt == "md":
        return str(render_markdown(data, out))
    atomic_write_text(out, render_html(data))
    return out
