"""Collecting a judge's verdicts on pairs, both orders, resumable; the output is a judge file.

Pair × order requests stream lazily to the backend; each answer is journaled the moment it
arrives. The judge file is rebuilt from the journal at the end of every run, in the layout of
RLHFlow's collection script plus what that script loses: raw completions, latency, tokens, and an
``error`` column that keeps API errors, unparsable answers and real disagreements apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from tqdm.auto import tqdm

from .._io import atomic_path
from .._registry import load_registered
from ..data.model import Pair, PairSet
from ..errors import InputError
from .prompt import JudgePrompt
from .records import ORDERS, Journal, JudgeRequest, JudgeResult, journal_path

__all__ = ["BACKENDS", "JudgeBackend", "JudgeSummary", "collect_judgments", "combine", "load_backend"]

BACKENDS = {"openai": "preftree.judges.openai_backend:OpenAIBackend",
            "hf": "preftree.judges.hf_backend:HFBackend"}


class JudgeBackend(Protocol):
    name: str

    def describe(self) -> dict[str, Any]: ...

    def run(self, requests: Any, on_result: Any) -> None: ...


def load_backend(name: str) -> type:
    """A backend class by name, imported only now; an unknown name lists the known ones."""
    return load_registered(BACKENDS, name, "judge backend")


def _sign(result: JudgeResult | None) -> int | None:
    """The verdict in the pair's original orientation: -1 = response_1 better, +1 = response_2."""
    if result is None or result.error is not None or result.verdict is None:
        return None
    first_wins = result.verdict == "A"
    shown_first_is_1 = result.order == "orig"
    return -1 if first_wins == shown_first_is_1 else 1


def _error(orig: JudgeResult | None, swapped: JudgeResult | None) -> str:
    problems = []
    for order, result in (("orig", orig), ("swapped", swapped)):
        if result is None:
            problems.append(f"{order}: not asked yet")
        elif result.error is not None:
            problems.append(f"{order}: {result.error}")
        elif result.verdict is None:
            problems.append(f"{order}: unparsable")
    if problems:
        return "; ".join(problems)
    return "" if _sign(orig) == _sign(swapped) else "inconsistent"


def combine(pairs: PairSet, results: dict[tuple[str, str], JudgeResult], judge: str) -> pd.DataFrame:
    """One row per pair. ``preference`` is kept only when both orders agree, else 0; it is empty
    (with the reason in ``error``) when an order has no verdict."""
    rows = []
    for pair in pairs:
        orig, swapped = results.get((pair.id, "orig")), results.get((pair.id, "swapped"))
        first, second = _sign(orig), _sign(swapped)
        error = _error(orig, swapped)
        preference = None if first is None or second is None else (first if first == second else 0)
        rows.append({
            "split": pair.metadata.get("split", ""), "index": pair.id, "model": judge,
            "preference_orig_order": first, "preference_swapped_order": second,
            "preference": preference, "error": error,
            "completion_orig": orig.completion if orig else None,
            "completion_swapped": swapped.completion if swapped else None,
            "latency_orig_s": orig.latency_s if orig else None,
            "latency_swapped_s": swapped.latency_s if swapped else None,
            "prompt_tokens": sum(r.prompt_tokens or 0 for r in (orig, swapped) if r) or None,
            "completion_tokens": sum(r.completion_tokens or 0 for r in (orig, swapped) if r) or None,
        })
    frame = pd.DataFrame(rows)
    for column in ("preference_orig_order", "preference_swapped_order", "preference"):
        frame[column] = frame[column].astype("Int8")
    return frame


@dataclass
class JudgeSummary:
    """What a run left behind: counts per kind of outcome and the judge's swap consistency."""

    judge: str
    out: Path
    n_pairs: int
    n_asked: int
    n_reused: int
    n_decided: int
    n_api_errors: int
    n_unparsable: int
    n_inconsistent: int
    first_position_share: float | None

    @property
    def consistency(self) -> float | None:
        """Share of pairs with both verdicts whose verdict survives the swap."""
        both = self.n_decided + self.n_inconsistent
        return None if both == 0 else self.n_decided / both


def _requests(pairs: PairSet, prompt: JudgePrompt, done: set[tuple[str, str]]) -> Iterator[JudgeRequest]:
    for pair in pairs:
        for order in ORDERS:
            if (pair.id, order) not in done:
                yield JudgeRequest(pair.id, order, _messages(pair, order, prompt))


def _messages(pair: Pair, order: str, prompt: JudgePrompt) -> list[dict[str, str]]:
    first, second = (pair.response_1, pair.response_2) if order == "orig" else \
        (pair.response_2, pair.response_1)
    return prompt.render(pair.prompt, first, second)


def collect_judgments(pairs: PairSet, backend: JudgeBackend, out: str | Path, *, judge: str,
                      prompt: JudgePrompt | None = None, progress: bool = True) -> JudgeSummary:
    """Ask ``backend`` about every pair in both orders, resuming from the journal beside ``out``."""
    prompt = prompt or JudgePrompt()
    out = Path(out)
    journal = Journal(journal_path(out))
    header, results = journal.read()
    settings = {"judge": judge, **backend.describe(), "template_sha256": prompt.sha256}
    if header is not None and header != settings:
        changed = sorted(k for k in set(header) | set(settings) if header.get(k) != settings.get(k))
        raise InputError(f"the journal {journal.path} was written with other settings ({', '.join(changed)}); "
                         "use another --out, or delete the journal to start over")
    journal.start(settings)
    known = {pair.id for pair in pairs}
    done = {key for key, r in results.items() if r.error is None and key[0] in known}
    total = 2 * len(pairs) - len(done)
    with journal.open() as writer, tqdm(total=total, unit="req", desc=judge, disable=not progress,
                                        dynamic_ncols=True) as bar:
        def on_result(result: JudgeResult) -> None:
            writer.write(result)
            results[result.key] = result
            bar.update(1)

        backend.run(_requests(pairs, prompt, done), on_result)
    frame = combine(pairs, results, judge)
    with atomic_path(out) as tmp:
        frame.to_csv(tmp, index=False)
    answered = [r for key, r in results.items() if key[0] in known and r.error is None and r.verdict]
    return JudgeSummary(
        judge, out, len(pairs), total, len(done),
        n_decided=int((frame["error"] == "").sum()),
        n_api_errors=int(frame["error"].str.contains("api:", regex=False).sum()),
        n_unparsable=int(frame["error"].str.contains("unparsable", regex=False).sum()),
        n_inconsistent=int((frame["error"] == "inconsistent").sum()),
        first_position_share=(sum(r.verdict == "A" for r in answered) / len(answered)) if answered else None)
