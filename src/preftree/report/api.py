"""``preftree.report(...)``: what ``preftree report`` does, as one call. It reads explain's output
folders (several make one report), or a ``preftree winrate`` file alone, with a probe run or a
win-rate file as extra sections; it renders only when ``out`` is given, after checking that no
input is the output (also through a link or inside a folder read)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import InputError
from .data import ReportData, load_report_data

__all__ = ["report"]


def _data(sources: Sequence[Path], probe_dir: Path | None, winrate: Path | None) -> ReportData:
    from ..winrate.document import load_winrate
    from .data import merge_report_data
    from .probes import load_probe_document

    if len(sources) > 1:
        data = merge_report_data([load_report_data(folder) for folder in sources])
    elif sources[0].is_file():
        data = ReportData(sources[0], [], None, None, None, {}, winrate=load_winrate(sources[0]))
    else:
        data = load_report_data(sources[0])
    if probe_dir is not None:
        data.probes = load_probe_document(probe_dir)
    if winrate is not None:
        data.winrate = load_winrate(winrate)
    return data


def _check_sources(sources: Sequence[Path]) -> bool:
    """Whether the one source is a winrate file (a page of its own); folders otherwise, each once."""
    if not sources:
        raise InputError("give explain's output folder (or several, or a winrate.json)")
    standalone = sources[0].suffix.lower() in (".json", ".csv") and sources[0].is_file()
    if standalone and len(sources) > 1:
        raise InputError("a winrate file makes a page of its own: give it alone (or with explain "
                         "folders as --winrate FILE)")
    for folder in sources:
        if not folder.is_dir() and not standalone:
            raise InputError("is not a folder (give explain's --out folder, or a winrate.json)", path=folder)
    real = [folder.resolve() for folder in sources]
    twice = sorted({str(f) for f, r in zip(sources, real) if real.count(r) > 1})
    if twice:
        raise InputError(f"the same folder is given twice ({', '.join(twice)}, also through a link); "
                         "give each explain folder once")
    return standalone


def report(sources: str | Path | Sequence[str | Path], *, out: str | Path | None = None,
           fmt: str | None = None, probe_dir: str | Path | None = None,
           winrate: str | Path | None = None) -> ReportData:
    """The report's typed data, read from ``sources``; with ``out`` it is rendered there too
    (``fmt``: html, or md with figures in ``<stem>_figures/``; default by the suffix)."""
    paths = [Path(sources)] if isinstance(sources, (str, Path)) else [Path(s) for s in sources]
    standalone = _check_sources(paths)
    probes = None if probe_dir is None else Path(probe_dir)
    extra = None if winrate is None else Path(winrate)
    if out is not None:
        from .._io import check_output_dir, check_output_file, replacing_allowed
        from ..winrate.document import sibling_files

        target = Path(out)
        fmt = fmt or ("md" if target.suffix.lower() == ".md" else "html")
        inputs = sibling_files(paths[0]) if standalone else \
            [p for folder in paths for p in folder.rglob("*") if p.is_file()]
        if extra is not None:
            inputs += sibling_files(extra)
        inputs += [p for p in probes.rglob("*") if p.is_file()] if probes is not None else []
        check_output_file(target, inputs)
        if fmt == "md" and not standalone:
            check_output_dir(target.with_name(f"{target.stem}_figures"), inputs, force=replacing_allowed())
        from .write import write_report

        write_report([str(p) for p in paths] if len(paths) > 1 else str(paths[0]), str(target), fmt,
                     probe_dir=None if probes is None else str(probes),
                     winrate=None if extra is None else str(extra))
    return _data(paths, probes, extra)
