"""``preftree report``: one self-contained HTML page (or Markdown + PNGs) from explain's outputs."""

from __future__ import annotations

from pathlib import Path

import click

from ._options import echo, quiet_option, replace_option

__all__ = ["report"]


@click.command()
@click.argument("explain_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="report.html (or report.md with --format md; figures go beside it).")
@click.option("--format", "fmt", type=click.Choice(["html", "md"]),
              help="Report format (default: from the --out suffix, .md → md, else html).")
@click.option("--probe-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A `preftree probe` output folder to show beside the trees.")
@click.option("--winrate", "winrate_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A `preftree winrate` file (winrate.json or .csv) to show as a section.")
@click.option("--published", type=click.Path(dir_okay=False, path_type=str),
              help="With RM-Bench results: the README.md of THU-KEG/RM-Bench-Leaderboard as published, "
                   "to show each scorer's published row beside its matrices.")
@quiet_option
@replace_option
def report(explain_dirs: tuple[Path, ...], out: Path, fmt: str | None, quiet: bool, probe_dir: Path | None,
           winrate_path: Path | None, published: str | None) -> None:
    """Render the output folder of `preftree explain` as a report (several folders: one report,
    each judge named by its folder; or a `preftree winrate` file, given instead of the folder, as
    a page of its own; or RM-Bench results files, as a page of their matrices)."""
    from ..report.api import report as run_report

    run_report(explain_dirs, out=out, fmt=fmt, probe_dir=probe_dir, winrate=winrate_path, published=published)
    if not quiet:
        echo(f"wrote {out}")
