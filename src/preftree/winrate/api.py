"""``preftree.winrate(...)``: what ``preftree winrate`` does, as one call that returns its result and
writes nothing unless ``out`` is given. The command only parses options and prints."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..data.model import PairSet
from ..errors import InputError
from ..judges.protocol import Judge
from .inputs import Comparisons, read_comparisons
from .run import WinRateResult, win_rates

__all__ = ["INPUT_FORMATS", "WinRateRun", "read_inputs", "winrate"]

INPUT_FORMATS = ("auto", "alpacaeval", "arena", "judge")
"""Layouts of winrate's inputs: AlpacaEval annotations, Arena / MT-Bench battles, judge files."""


@dataclass
class WinRateRun:
    """A win-rate run: the estimates, the comparisons they came from, and what was written."""

    result: WinRateResult
    comparisons: Comparisons
    settings: dict[str, Any]
    written: list[Path] = field(default_factory=list)  # winrate.csv and winrate.json, when asked
    document: dict[str, Any] | None = None  # winrate.json's content, when written


def read_inputs(paths: Sequence[str | Path], *, input_format: str = "auto", pairs: PairSet | None = None,
                model_columns: Sequence[str] | None = None, only_judge: str | None = None,
                judge: Judge | None = None) -> Comparisons:
    """Comparisons from AlpacaEval annotations, battles, or (with ``pairs``) judge files over pairs
    whose columns name each response's model (``model_columns``); or, with ``judge`` (any
    :class:`~preftree.judges.protocol.Judge`), that judge's verdicts on ``pairs``, asked now."""
    if judge is not None:
        if pairs is None or paths:
            raise InputError("a judge to run needs the pairs (pairs=) and no input files")
        from ..judges.api import judgments
        from .judged import comparisons_from_judgments

        return comparisons_from_judgments(pairs, [judgments(pairs, judge)], model_columns)  # placed by winrate()
    if input_format not in INPUT_FORMATS:
        raise InputError(f"unknown input format {input_format!r}; expected one of {', '.join(INPUT_FORMATS)}")
    if input_format != "judge" and pairs is None:
        return read_comparisons(paths, input_format, judge=only_judge)
    if pairs is None:
        raise InputError("judge files are verdicts on pairs: give the pairs (--pairs FILE)")
    from ..data import load_judges
    from .judged import comparisons_from_judgments

    judges = load_judges(paths, pairs=pairs)
    if only_judge is not None:
        judges = [j for j in judges if j.judge == only_judge]
    return comparisons_from_judgments(pairs, judges, model_columns)


def check_outside(out: Path, folders: Sequence[Path]) -> None:
    """An output inside an input folder would be read as input on the next run."""
    target = Path(os.path.abspath(out)).parent.resolve()
    for folder in folders:
        root = Path(folder).resolve()
        if target == root or root in target.parents:
            raise InputError(f"is inside the input folder {folder}; the next run would read it as "
                             "input: write it elsewhere", path=out)


def _check_out(out: Path, inputs: Sequence[Any], folders: Sequence[Path]) -> None:
    from .._io import check_output_file
    from .document import json_path

    if "://" in str(out) or str(out).lower().startswith("file:"):
        raise InputError(f"--out is a local path, not a URI; got {str(out)!r}")
    if out.suffix.lower() != ".csv":
        raise InputError(f"--out is the CSV table (winrate.csv); got {out.name!r}")
    for target in (out, json_path(out)):
        check_output_file(target, inputs)
    check_outside(out, folders)


def winrate(paths: str | Path | Sequence[str | Path], *, input_format: str = "auto", pairs: PairSet | None = None,
            model_columns: Sequence[str] | None = None, only_judge: str | None = None,
            judge: Judge | None = None, baseline: str | None = None, features: Sequence[Any] = ("style",),
            tree_features: Sequence[Any] | None = None, difficulties: str | Path | None = None,
            pooling: float | None = None, resamples: int = 100, seed: int = 0, progress: bool = False,
            out: str | Path | None = None, jobs: int | None = -1) -> WinRateRun:
    """Raw, discrete and length-controlled win rates against a baseline and Bradley–Terry ratings
    with and without style control (``features``: specs or feature sources), from the files in
    ``paths``; ``difficulties`` is an earlier winrate.json (or an instruction,difficulty CSV) to
    reuse; ``judge`` (with ``pairs`` and no files) asks that judge now instead of reading verdicts.
    With ``out`` (winrate.csv), both files are written, checked before any work. The bootstrap
    fits run on ``jobs`` threads (-1: every core); the figures do not depend on it."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not paths and judge is None:
        raise InputError("give annotation, battle or judge files (or folders of them)")
    folders = [Path(p) for p in paths if Path(p).is_dir()]
    out_path = None if out is None else Path(out)
    if out_path is not None:
        _check_out(out_path, [*paths, None if pairs is None else pairs.source, difficulties], folders)
    from ..judges.llm import files_beside, place_llm_judges

    sources = [*paths, None if pairs is None else pairs.source, difficulties]
    with place_llm_judges([] if judge is None else [judge], files_beside(out_path, judge, sources)):
        comparisons = read_inputs(paths, input_format=input_format, pairs=pairs, model_columns=model_columns,
                                  only_judge=only_judge, judge=judge)
    notes = list(comparisons.notes)
    known_difficulties = length = None
    if difficulties is not None:
        from .reference import check_reference, read_reference

        reference = read_reference(Path(difficulties))
        baseline, coverage = check_reference(reference, comparisons.frame["instruction"], baseline=baseline,
                                             declared_baselines=comparisons.declared_baselines,
                                             judge=comparisons.judge)
        known_difficulties, length, notes = reference.difficulties, reference.length, notes + coverage
    keyed = [spec for spec in (*features, *(tree_features or ()))
             if isinstance(spec, str) and spec.split(":", 1)[0] in ("scores", "columns", "traits")]
    if keyed and "alpacaeval" in comparisons.formats.values():
        raise InputError("scores:, columns: and traits: features are keyed by pair ids and read in the pairs' "
                         "orientation, which AlpacaEval annotations do not carry (here response_1 is "
                         "the model, output_2); use style or model: features")
    result = win_rates(comparisons.frame, baseline=baseline, features=features, tree_features=tree_features,
                       difficulties=known_difficulties, pooling=pooling, resamples=resamples, seed=seed,
                       progress=progress, declared_baselines=comparisons.declared_baselines, length=length,
                       jobs=jobs)
    result.notes += notes
    settings = {"format": input_format, "features": result.features, "judge": only_judge,
                "difficulties": None if difficulties is None else str(difficulties),
                "pooling": pooling, "resamples": resamples, "seed": seed}
    run = WinRateRun(result, comparisons, settings)
    if out_path is not None:
        from .document import write_winrate

        written, run.document = write_winrate(result, comparisons, out_path, settings=settings)
        run.written = [out_path, written]
    return run
