"""``preftree report``: one self-contained HTML page (or Markdown + PNGs) from explain's outputs."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["report"]


@click.command()
@click.argument("explain_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="report.html (or report.md with --format md; figures go beside it).")
@click.option("--format", "fmt", default="html", show_default=True, type=click.Choice(["html", "md"]))
def report(explain_dir: Path, out: Path, fmt: str) -> None:
    """Render the output folder of `preftree explain` as a report."""
    from ..report import write_report

    write_report(str(explain_dir), str(out), fmt)
    click.echo(f"wrote {out}")
