"""``preftree.judge(pairs, judge, ...)``: what ``preftree judge`` does, as one call: every pair's
verdict from any :class:`~preftree.judges.protocol.Judge`, as a judge file's rows, written only
when ``out`` is given. An LLM judge is asked in both orders and journaled beside ``out``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..data.judge_files import PAIR_HASH_COLUMN
from ..data.model import Judgment, JudgmentSet, PairSet
from ..errors import InputError
from .collect import JudgeSummary, collect_judgments
from .llm import LLMJudge
from .protocol import Judge, check_verdict_count

__all__ = ["annotate", "judge", "judgments"]


def judgments(pairs: PairSet, judge: Judge, *, stage: str = "pairs") -> JudgmentSet:
    """The judge's verdicts on ``pairs`` as a :class:`~preftree.data.model.JudgmentSet`, the shape
    every analysis reads (explain's trees, win rates); pairs without a verdict are left out."""
    verdicts = judge.verdicts(pairs, stage)
    check_verdict_count(judge, verdicts, len(pairs))
    kept = [Judgment(pair.id, judge.name, verdict.preference, verdict.orders[0], verdict.orders[1])
            for pair, verdict in zip(pairs, verdicts) if verdict.preference is not None]
    return JudgmentSet(judge.name, kept, source=f"{judge.name} ({judge.kind})")


def judge(pairs: PairSet, judge: Judge, *, out: str | Path | None = None, progress: bool = True) -> JudgeSummary:
    """The judge's verdict on every pair (``summary.frame`` holds the judge file's rows:
    ``index``, ``model``, ``preference`` in preftree's signed convention, ``score``, ``error``
    (why a pair has no verdict), ``pair_sha``).

    An LLM judge needs ``out``: its answers are journaled beside it, so the same call resumes
    and asks nothing twice. Other judges write ``out`` only when it is given; an ensemble's LLM
    members keep their own judge files beside it (``<stem>.<member>.judgments.csv``). ``out`` is never the
    pairs file.
    """
    from ..data.files import check_table_output, write_table
    from .llm import files_beside, place_llm_judges

    target = None if out is None else check_table_output(out, [pairs.source])
    if isinstance(judge, LLMJudge):
        if target is None:
            raise InputError("an LLM judge keeps a journal beside its judge file: give out=")
        return collect_judgments(pairs, judge.backend, target, judge=judge.name, prompt=judge.prompt,
                                 progress=progress, journal=judge.journal)

    with place_llm_judges([judge], files_beside(target, judge, [pairs.source])):
        verdicts = judge.verdicts(pairs, "pairs")
    check_verdict_count(judge, verdicts, len(pairs))
    frame = pd.DataFrame({
        "index": pairs.ids, "model": judge.name,
        "preference": pd.array([v.preference for v in verdicts], dtype="Int8"),
        "score": [v.score for v in verdicts],
        "error": ["" if v.preference is not None else "no verdict" for v in verdicts],
        PAIR_HASH_COLUMN: [p.fingerprint() for p in pairs]})
    if target is not None:
        write_table(frame, target)
    decided = int(frame["preference"].notna().sum())
    return JudgeSummary(judge.name, target or Path(), len(pairs), len(pairs), 0, n_decided=decided,
                        n_api_errors=int(getattr(judge, "api_errors", 0)), n_unparsable=0, n_inconsistent=0,
                        first_position_share=None, frame=frame)


def annotate(pairs: PairSet, annotator: LLMJudge, traits: Any = "default", *, out: str | Path,
             prompt: Any = None, traits_per_request: int | None = None, force: bool = False,
             inputs: tuple[Any, ...] = ()) -> Any:
    """Traits of every pair, by an LLM annotator asked in both orders: ``traits`` is ``default``,
    a trait file or a list of :class:`~preftree.features.traits.Trait`; ``prompt`` a
    :class:`~preftree.judges.trait_prompt.TraitPrompt`. ``out`` gets ``traits.parquet``,
    ``annotated_pairs.json`` (AnnotatedPairs 2.0) and ``traits.json``, all or nothing; answers are
    journaled beside it, so the same call asks nothing twice. Returns the
    :class:`~preftree.judges.annotate.TraitAnnotation`."""
    from .._io import check_output_dir
    from ..features.traits import resolve_traits
    from .annotate import annotate_traits, journal_file, write_annotation

    resolved = resolve_traits(traits)
    sources = [pairs.source, *inputs, None if isinstance(traits, list) else traits]
    check_output_dir(out, sources, force=force)
    run = annotate_traits(pairs, annotator.backend, resolved, journal=annotator.journal or journal_file(out),
                          annotator=annotator.name, prompt=prompt, traits_per_request=traits_per_request,
                          progress=annotator.progress)
    write_annotation(run, pairs, out, force=force, inputs=sources)
    return run
