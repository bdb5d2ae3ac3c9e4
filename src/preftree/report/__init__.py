"""explain's output folder, its figures and the self-contained HTML report (no refitting).

The package is callable: ``preftree.report(folder, out=...)`` runs :func:`preftree.report.api.report`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import callable_package, lazy_exports

_EXPORTS = {
    "JudgeReport": ".data",
    "ReportData": ".data",
    "load_report_data": ".data",
    "render_html": ".render",
    "render_markdown": ".render",
    "write_outputs": ".folder",
    "write_report": ".write",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
callable_package(__name__, ".api", "report")  # preftree.report(folder, out=...) is the command's API

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names resolve lazily
    from .data import JudgeReport, ReportData, load_report_data
    from .folder import write_outputs
    from .render import render_html, render_markdown
    from .write import write_report
