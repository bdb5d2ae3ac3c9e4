"""Writing a report file from explain's output folder."""

from __future__ import annotations

from .._io import atomic_write_text
from .data import ReportData, load_report_data
from .render import render_html, render_markdown

__all__ = ["write_data", "write_report"]


def write_report(explain_dir: str | list[str], out: str, fmt: str = "html", *,
                 shown_as: str | None = None, probe_dir: str | None = None,
                 winrate: str | None = None) -> str:
    """Render ``preftree explain``'s output folder to ``out`` (HTML, or Markdown + PNGs);
    ``shown_as`` is the folder name the page names (explain renders from its scratch folder);
    ``probe_dir`` adds a ``preftree probe`` run's effects beside the trees, ``winrate`` a
    ``preftree winrate`` file's section. ``explain_dir`` may itself be a winrate file: a page of
    that section alone; several explain folders make one report, each judge named by its folder."""
    from pathlib import Path

    from ..winrate.document import load_winrate
    from .data import merge_report_data
    from .probes import load_probe_document

    if isinstance(explain_dir, list):
        data = merge_report_data([load_report_data(folder) for folder in explain_dir])
    elif Path(explain_dir).is_file():
        document = load_winrate(explain_dir)
        data = ReportData(Path(explain_dir), [], None, None, None, {}, winrate=document)
    else:
        data = load_report_data(explain_dir)
    if probe_dir is not None:
        data.probes = load_probe_document(probe_dir)
    if winrate is not None:
        data.winrate = load_winrate(winrate)
    if shown_as is not None:
        data.source = Path(shown_as)
    return write_data(data, out, fmt)


def write_data(data: ReportData, out: str, fmt: str = "html") -> str:
    """Render report data already read to ``out`` (HTML, or Markdown + PNGs), atomically."""
    if fmt == "md":
        return str(render_markdown(data, out))
    atomic_write_text(out, render_html(data))
    return out
