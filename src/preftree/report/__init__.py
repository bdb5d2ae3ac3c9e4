"""Figures and the self-contained HTML report, rendered from explain's outputs (no refitting)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "JudgeReport": ".data",
    "ReportData": ".data",
    "load_report_data": ".data",
    "render_html": ".html",
    "render_markdown": ".markdown",
    "write_report": ".write",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names resolve lazily
    from .data import JudgeReport, ReportData, load_report_data
    from .html import render_html
    from .markdown import render_markdown
    from .write import write_report
