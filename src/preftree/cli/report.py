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
@quiet_option
@replace_option
def report(explain_dirs: tuple[Path, ...], out: Path, fmt: str | None, quiet: bool, probe_dir: Path | None,
           winrate_path: Path | None) -> None:
    """Render the output folder of `preftree explain` as a report (several folders: one report,
    each judge named by its folder; or a `preftree winrate` file, given instead of the folder, as
    a page of its own)."""
    from .._io import check_output_dir, check_output_file
    from ..report import write_report

    fmt = fmt or ("md" if out.suffix.lower() == ".md" else "html")
    explain_dir = explain_dirs[0]
    standalone = explain_dir.suffix.lower() in (".json", ".csv") and explain_dir.is_file()
    if standalone and len(explain_dirs) > 1:
        raise click.UsageError("a winrate file makes a page of its own: give it alone (or with "
                               "explain folders as --winrate FILE)")
    for folder in explain_dirs:
        if not folder.is_dir() and not standalone:
            raise click.UsageError(f"{folder} is not a folder (give explain's --out folder, or a "
                                   "winrate.json)")
    real = [folder.resolve() for folder in explain_dirs]
    twice = sorted({str(f) for f, r in zip(explain_dirs, real) if real.count(r) > 1})
    if twice:
        raise click.UsageError(f"the same folder is given twice ({', '.join(twice)}, also through a link); "
                               "give each explain folder once")
    from ..winrate.document import sibling_files

    inputs = sibling_files(explain_dir) if standalone else \
        [p for folder in explain_dirs for p in folder.rglob("*") if p.is_file()]
    if winrate_path is not None:
        inputs += sibling_files(winrate_path)
    inputs += [p for p in probe_dir.rglob("*") if p.is_file()] if probe_dir is not None else []
    check_output_file(out, inputs)
    if fmt == "md" and not standalone:
        from .._io import replacing_allowed

        check_output_dir(out.with_name(f"{out.stem}_figures"), inputs, force=replacing_allowed())
    write_report(str(explain_dir) if len(explain_dirs) == 1 else [str(d) for d in explain_dirs], str(out), fmt,
                 probe_dir=None if probe_dir is None else str(probe_dir),
                 winrate=None if winrate_path is None else str(winrate_path))
    if not quiet:
        echo(f"wrote {out}")
