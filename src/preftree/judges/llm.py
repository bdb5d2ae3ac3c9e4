"""An LLM judge behind the :class:`~preftree.judges.protocol.Judge` protocol: every pair asked in
both presentation orders through :func:`~preftree.judges.collect.collect_judgments`, so answers
are journaled by content and a rerun asks nothing twice; each batch's verdicts are a judge file."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..data.model import PairSet
from ..errors import ConfigError, InputError
from .collect import JudgeBackend, collect_judgments
from .prompt import JudgePrompt
from .protocol import Verdict, judge_slug

__all__ = ["LLMJudge", "files_beside", "llm_judges", "place_llm_judges"]


def _sign(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


class LLMJudge:
    """An LLM judge: ``backend`` (an endpoint or a local model) asked with ``prompt``.

    ``judge_file(stage)`` says where a batch's judge file goes (default: ``NAME.STAGE.csv`` in
    ``folder``); ``journal`` is where answers are kept between runs (outside a folder that is
    written whole). ``api_errors``, ``answers`` and ``unparsable`` count what came back, so a
    command can refuse to report on a judge none of whose answers could be read.
    """

    kind, shift_unit, sees_positions = "llm-judge", "P(target preferred)", True

    def __init__(self, backend: JudgeBackend, name: str, *, prompt: JudgePrompt | None = None,
                 folder: Path | None = None, journal: Path | None = None,
                 judge_file: Callable[[str], Path] | None = None, progress: bool = True) -> None:
        self.backend, self.name, self.prompt = backend, name, prompt or JudgePrompt()
        self.folder, self.journal, self.progress = folder, journal, progress
        self._judge_file = judge_file
        self.api_errors = 0
        self.answers = self.unparsable = 0  # pairs answered; of them, those with no verdict read in either order

    def describe(self) -> dict[str, Any]:
        return {"model": self.name, **self.backend.describe(),
                "judge_template_sha256": self.prompt.sha256, "verdict_format": self.prompt.parser}

    @property
    def has_judge_file(self) -> bool:
        """Whether the judge knows where its judge files go."""
        return self._judge_file is not None or self.folder is not None

    @contextmanager
    def placed(self, *, folder: Path | None = None, journal: Path | None = None,
               judge_file: Callable[[str], Path] | None = None) -> Iterator[LLMJudge]:
        """Judge files and journal where one command's run puts them, for that run only: the
        judge's own settings come back afterwards, so a judge object reused by the next call
        never writes into the last call's files."""
        saved = (self.folder, self.journal, self._judge_file)
        self.folder, self.journal, self._judge_file = folder, journal, judge_file
        try:
            yield self
        finally:
            self.folder, self.journal, self._judge_file = saved

    def judge_file(self, stage: str) -> Path:
        """The judge file of one batch."""
        if self._judge_file is not None:
            return self._judge_file(stage)
        if self.folder is None:
            raise ConfigError("an LLM judge needs a folder (or judge_file) for its judge files")
        return self.folder / f"{judge_slug(self.name)}.{stage}.csv"

    def verdicts(self, pairs: PairSet, stage: str) -> list[Verdict]:
        if len(pairs) == 0:  # nothing to ask: no judge file
            return []
        path = self.judge_file(stage)
        path.parent.mkdir(parents=True, exist_ok=True)
        summary = collect_judgments(pairs, self.backend, path, judge=self.name, prompt=self.prompt,
                                    progress=self.progress, journal=self.journal)
        self.api_errors += summary.n_api_errors
        frame = summary.frame
        assert frame is not None
        answered = ~frame["error"].str.contains("api:", regex=False)
        unread = answered & frame["preference_orig_order"].isna() & frame["preference_swapped_order"].isna() \
            & frame["error"].str.contains("unparsable", regex=False)
        self.answers += int(answered.sum())
        self.unparsable += int(unread.sum())
        verdicts = []
        for row in frame.itertuples(index=False):
            orders = (_sign(row.preference_orig_order), _sign(row.preference_swapped_order))
            known = [o for o in orders if o is not None]
            score = float(np.mean([(o + 1) / 2 for o in known])) - 0.5 if known else None
            verdicts.append(Verdict(_sign(row.preference), score, orders,
                                    (_text(row.completion_orig), _text(row.completion_swapped))))
        return verdicts


def llm_judges(judges: Sequence[Any]) -> list[LLMJudge]:
    """The LLM judges among ``judges``, members of ensembles included (they keep files)."""
    found: list[LLMJudge] = []
    for judge in judges:
        if isinstance(judge, LLMJudge):
            found.append(judge)
        found += llm_judges(getattr(judge, "members", []))
    return found


@contextmanager
def place_llm_judges(judges: Sequence[Any], where: Callable[[LLMJudge], dict[str, Any] | None]) -> Iterator[None]:
    """For one run, every LLM judge among ``judges`` (ensemble members included) keeps its files
    where ``where(judge)`` says (keyword arguments of :meth:`LLMJudge.placed`; ``None`` keeps the
    judge's own). Two LLM judges of one name would share a journal and a judge file: refused."""
    from .protocol import judge_slug

    found = llm_judges(judges)
    slugs = [judge_slug(j.name) for j in found]
    twice = sorted({s for s in slugs if slugs.count(s) > 1})
    if twice:
        raise InputError(f"two LLM judges are named alike ({', '.join(twice)}): their answers would share "
                         "one journal and one judge file; give each its own name (--judge-name)")
    with ExitStack() as stack:
        for judge in found:
            place = where(judge)
            if place is not None:
                stack.enter_context(judge.placed(**place))
        yield


def files_beside(out: str | Path | None, top: Any, inputs: Sequence[Any]) -> Callable[[LLMJudge], dict[str, Any] | None]:
    """For :func:`place_llm_judges`: an LLM judge with no place of its own keeps its judge file
    (and journal) beside ``out`` — ``top`` itself as ``<stem>.judgments.csv``, an ensemble member
    as ``<stem>.<member>.judgments.csv`` — each checked against ``inputs`` before any work.
    Without ``out`` such a judge is an error: its answers must be journaled somewhere."""
    from .._io import check_output_file
    from .protocol import judge_slug

    def where(llm: LLMJudge) -> dict[str, Any] | None:
        if llm.has_judge_file:
            return None
        if out is None:
            raise InputError(f"the LLM judge {llm.name!r} keeps its verdicts in a journaled judge file: "
                             "give out= (the file goes beside it) or the judge a folder")
        base = Path(out)
        name = f"{base.stem}.judgments.csv" if llm is top else f"{base.stem}.{judge_slug(llm.name)}.judgments.csv"
        target = base.with_name(name)
        check_output_file(target, inputs)
        return {"judge_file": lambda stage: target}

    return where
