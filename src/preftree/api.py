"""The commands as Python calls: each ``preftree`` command is a thin shell over one of these, and
each returns its result and writes nothing unless asked (``out=``).

========================  ==========================================================
command                   call
========================  ==========================================================
``preftree explain``      :func:`preftree.explain` (this module)
``preftree judge``        :func:`preftree.judge` (:mod:`preftree.judges.api`)
``preftree probe``        :func:`preftree.probe` (:mod:`preftree.probes.api`)
``preftree winrate``      ``preftree.winrate(...)`` (:mod:`preftree.winrate.api`)
``preftree rewardbench``  ``preftree.rewardbench(...)`` (:mod:`preftree.rewardbench.api`)
``preftree report``       ``preftree.report(...)`` (:mod:`preftree.report.api`)
``preftree score``        :func:`preftree.score` (this module)
``preftree compare``      :meth:`preftree.DecisionTreeRewardModel.compare` / ``compare_pairs``
``preftree train-head``   :func:`preftree.model.training.train_head`
``preftree fit-tree``     :func:`preftree.model.training.fit_tree`
========================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import explanation
from .data.model import JudgmentSet, PairSet
from .errors import ConfigError
from .explanation import ExplainConfig, ExplainResult
from .features.differences import FeatureTable
from .features.sources import FeatureSource, ScoresSource

__all__ = ["explain", "score"]


def explain(pairs: PairSet, judges: Sequence[JudgmentSet] = (),
            features: Sequence[str | FeatureSource] | FeatureTable = ("style",),
            config: ExplainConfig | None = None, *, include_label: bool = False,
            progress: bool | None = None, out: str | Path | None = None, report: str | Path | None = None,
            probe_dir: str | Path | None = None, force: bool = False,
            inputs: Sequence[Any] = ()) -> ExplainResult:
    """Explain every judge (or, with none, the pairs' own labels) with one tree each, over the
    differences of ``features``; see :func:`preftree.explanation.explain`.

    With ``out`` explain's folder is written (all or nothing, checked before any work; a
    non-empty folder preftree did not write needs ``force``); ``report`` renders the report too
    (inside ``out`` it is written with the rest); ``probe_dir`` (a ``preftree probe`` folder)
    puts each probe's effect beside the trees. ``inputs`` are further paths read (judge
    folders) that no output may be.
    """
    from ._io import check_output_dir, check_output_file
    from .data.rm_bench_layout import style_matched_view

    pairs = style_matched_view(pairs, (config or ExplainConfig()).by)  # RM-Bench: the diagonal unless --by styles
    scores = [] if isinstance(features, FeatureTable) else \
        [f.split(":", 1)[1] if isinstance(f, str) else getattr(f, "path", None) for f in features
         if (isinstance(f, str) and f.startswith("scores:")) or isinstance(f, ScoresSource)]
    sources: list[Any] = [pairs.source, *(j.source for j in judges), *inputs, *scores]  # no output may be one
    probes = None
    if probe_dir is not None:
        from .report.probes import load_probe_document

        probes = load_probe_document(probe_dir)
        sources.append(probe_dir)
    report_path = None if report is None else Path(report)
    if out is None and report_path is not None:
        raise ConfigError("report= goes with out= (the report is rendered from explain's folder)")
    inside = False
    if out is not None:
        check_output_dir(out, sources, force=force)
        inside = report_path is not None and report_path.absolute().parent == Path(out).absolute()
        if report_path is not None and not inside:
            check_output_file(report_path, sources)
    result = explanation.explain(pairs, judges, features, config, include_label=include_label, progress=progress)
    if out is None:
        return result
    from .report.folder import output_inputs, write_outputs

    write_outputs(result, Path(out), force=force, report=report_path.name if inside and report_path else None,
                  probes=probes)
    if report_path is not None and not inside:
        from .report import write_report

        check_output_file(report_path, output_inputs(result))
        write_report(str(out), str(report_path), "md" if report_path.suffix.lower() == ".md" else "html")
    return result


def score(pairs: PairSet, model: Any, *, out: str | Path | None = None, inputs: Sequence[Any] = ()) -> Any:
    """Both responses of every pair scored by ``model`` (a scorer, or a model id / folder loaded
    with default options): one row per pair, ``<attribute>_1`` and ``<attribute>_2``; with
    ``out`` the scores file is written too (.parquet, .csv or .jsonl)."""
    from .scoring import load_scorer, write_scores
    from .scoring.pairs import check_scores_output, score_pairs

    if out is not None:
        check_scores_output(out, [pairs.source, model if isinstance(model, (str, Path)) else None, *inputs])
    scorer = load_scorer(model) if isinstance(model, (str, Path)) else model
    frame = score_pairs(scorer, pairs)
    if out is not None:
        write_scores(frame, out)
    return frame
