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


def _rm_bench_report(paths: Sequence[Path], out: str | Path | None, fmt: str | None,
                     published: str | Path | None) -> ReportData:
    """A page of RM-Bench results files (matrices per scorer and domain), published rows beside."""
    from .rmbench import load_rm_bench_results

    documents = []
    for path in paths:
        if not path.is_file():
            raise InputError("RM-Bench results are given alone, as files (not with explain folders)", path=path)
        document = load_rm_bench_results(path)
        if document is None:
            raise InputError("not an RM-Bench results file (`preftree rewardbench --benchmark rm-bench`); "
                             "give RM-Bench results alone, or explain folders", path=path)
        documents.append(document)
    rows: dict[str, dict[str, object]] = {}
    if published is not None:
        from ..rewardbench.rmbench_board import RM_BENCH_COLUMNS, load_rm_bench_published

        frame = load_rm_bench_published(published)
        from ..rewardbench.leaderboard import model_key

        rows = {model_key(m): {c: float(v) for c, v in zip(RM_BENCH_COLUMNS, values)}
                for m, *values in frame[["model", *RM_BENCH_COLUMNS]].itertuples(index=False)}
    data = ReportData(paths[0], [], None, None, None, {}, rm_bench=documents, rm_bench_published=rows)
    if out is not None:
        from .._io import check_output_file
        from .write import write_data

        target = Path(out)
        check_output_file(target, [*paths, *([published] if published is not None else [])])
        write_data(data, str(target), fmt or ("md" if target.suffix.lower() == ".md" else "html"))
    return data


def report(sources: str | Path | Sequence[str | Path], *, out: str | Path | None = None,
           fmt: str | None = None, probe_dir: str | Path | None = None,
           winrate: str | Path | None = None, published: str | Path | None = None) -> ReportData:
    """The report's typed data, read from ``sources``; with ``out`` it is rendered there too
    (``fmt``: html, or md with figures in ``<stem>_figures/``; default by the suffix).

    ``sources`` may instead be RM-Bench results files (``preftree rewardbench --benchmark
    rm-bench``): a page of their matrices, with ``published`` (RM-Bench-Leaderboard's README.md
    as published) putting each scorer's published row beside."""
    from .rmbench import is_rm_bench_results

    paths = [Path(sources)] if isinstance(sources, (str, Path)) else [Path(s) for s in sources]
    if paths and is_rm_bench_results(paths[0]):
        if probe_dir is not None or winrate is not None:
            raise InputError("an RM-Bench page shows RM-Bench results only: --probe-dir and --winrate go "
                             "with explain folders")
        return _rm_bench_report(paths, out, fmt, published)
    if published is not None:
        raise InputError("--published goes with RM-Bench results files (the leaderboard's README.md)")
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
