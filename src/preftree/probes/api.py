"""``preftree.probe(pairs, judges, ...)``: what ``preftree probe`` does, as one call that returns the
results and writes nothing unless ``out`` is given."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..data.model import PairSet
from ..errors import InputError
from ..judges.protocol import Judge, judge_slug
from .catalogue import LENGTH_MARGIN, available, resolve_probes
from .run import ProbeResult, probe_judges, write_probe

__all__ = ["probe"]


def probe(pairs: PairSet, judges: Judge | Sequence[Judge], probes: Sequence[str] = (), *,
          probe_files: Sequence[str | Path] = (), length_margin: float = LENGTH_MARGIN, seed: int = 0,
          out: str | Path | None = None, force: bool = False, inputs: Sequence[Any] = ()) -> list[ProbeResult]:
    """Edit each pair's responses with every probe in ``probes`` (all built-in ones when none are
    named, plus those of ``probe_files``) and measure how often each edit flips each judge's
    verdict, against a null edit. With ``out`` the folder is written (probe.json, edited pairs,
    verdicts, the LLM judges' judge files), all or nothing; LLM judges keep their answers in a
    journal beside it, so the same call resumes. Without ``out``, an LLM judge needs a folder."""
    judge_list = [judges] if isinstance(judges, Judge) else list(judges)
    if not judge_list:
        raise InputError("give a judge to probe")
    unknown = sorted(set(probes) - set(available()))
    if unknown:
        raise InputError(f"unknown probe {unknown[0]!r}; available: {', '.join(available())}")
    names = [judge_slug(j.name) for j in judge_list]
    if len(set(names)) < len(names):
        raise InputError(f"two judges are named alike ({names}); give each its own name (--judge-name, or distinct models)")
    text_probes, pair_probes = resolve_probes(probes, probe_files, length_margin=length_margin)
    if out is None:
        from ..judges.llm import llm_judges

        homeless = [j.name for j in llm_judges(judge_list) if not j.has_judge_file]
        if homeless:
            raise InputError(f"the LLM judge {homeless[0]!r} keeps its answers in journaled judge files: give "
                             "out= (they go in it) or the judge a folder")
        return probe_judges(judge_list, pairs, text_probes, pair_probes, seed=seed)
    return write_probe(judge_list, pairs, text_probes, pair_probes, out, seed=seed,
                       inputs=[*inputs, *probe_files], force=force,
                       settings={"length_margin": length_margin})
