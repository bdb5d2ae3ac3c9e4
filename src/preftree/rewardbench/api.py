"""``preftree.rewardbench(judge, ...)``: what ``preftree rewardbench`` does, as one call that returns
the results and writes nothing unless ``out`` is given. Any :class:`~preftree.judges.protocol.Judge`
runs: a reward model, a decision-tree reward model, an LLM (generative) judge, a plug-in's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from ..judges.llm import files_beside, place_llm_judges
from ..judges.protocol import Judge

__all__ = ["rewardbench"]


def rewardbench(judge: Judge, *, benchmark: str = "rewardbench", version: int = 1, data: str | Path | None = None,
                prior_sets: str | Path | None = None, resamples: int = 1000, seed: int = 0,
                out: str | Path | None = None, inputs: tuple[Any, ...] = ()) -> dict[str, Any]:
    """Score ``judge`` on RewardBench ``version`` (1 or 2): per-subset results, sections, the
    score and bootstrap intervals (``resamples``; ``seed`` also picks a generative judge's one
    order per pair). ``data`` is a local file in the Hub schema (default: the Hub dataset).

    ``benchmark="rm-bench"`` runs RM-Bench instead (``data``: its files as published, a folder
    of them or a URI; default the Hub dataset ``THU-KEG/RM-Bench``): per domain the 3×3 matrix
    of chosen style × rejected style and hard / normal / easy accuracies
    (:mod:`preftree.rewardbench.rmbench`).

    With ``out`` the results file is written (checked before any work, never over ``data``,
    ``prior_sets`` or ``inputs``); an LLM judge's verdicts go to a judge file beside it
    (``r.json`` → ``r.judgments.csv``), journaled so the same call resumes after a failure.
    """
    from .._io import check_output_file
    from .data import load_v1, load_v2
    from .evaluate import evaluate_v1, evaluate_v2, write_results

    if not 0 <= resamples <= 100_000:  # checked before any request is paid for
        raise InputError(f"resamples={resamples}: from 0 to 100,000")
    if benchmark not in ("rewardbench", "rm-bench"):
        raise InputError(f"benchmark {benchmark!r}: expected rewardbench or rm-bench")
    if benchmark == "rm-bench" and prior_sets is not None:
        raise InputError("--prior-sets belongs to RewardBench 1, not RM-Bench")
    if version not in (1, 2):
        raise InputError(f"RewardBench version {version!r}: expected 1 or 2")
    if version == 2 and prior_sets is not None:
        raise InputError("--prior-sets belongs to RewardBench 1 (--benchmark-version 1)")
    sources: list[Any] = [data, prior_sets, *inputs]
    if benchmark == "rm-bench":
        from .rmbench_data import rm_bench_inputs

        sources += rm_bench_inputs(data, out)  # a data folder's files, each never the output
    if out is not None:
        check_output_file(out, sources)
    with place_llm_judges([judge], files_beside(out, judge, sources)):  # r.json → r.judgments.csv
        if benchmark == "rm-bench":
            from .rmbench import evaluate_rm_bench
            from .rmbench_data import load_rm_bench

            result = evaluate_rm_bench(judge, load_rm_bench(data), resamples=resamples, seed=seed)
        elif version == 1:
            result = evaluate_v1(judge, load_v1(data, prior_sets=prior_sets), bootstrap=resamples, seed=seed,
                                 include_prior=prior_sets is not None)
        else:
            result = evaluate_v2(judge, load_v2(data), bootstrap=resamples, seed=seed)
    if out is not None:
        write_results(result, out)
    return result
