"""Collecting a judge's verdicts on pairs, both orders, resumable; the output is a judge file.

Pair × order requests stream lazily to the backend; each answer is journaled the moment it
arrives. The judge file is rebuilt from the journal at the end of every run, in the layout of
RLHFlow's collection script plus what that script loses: raw completions, latency, tokens, and an
``error`` column that keeps API errors, unparsable answers and real disagreements apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from .._progress import progress_bar
from .._registry import JUDGE_BACKENDS, load_registered
from .._registry import judge_backends as backends
from ..data.files import check_table_output, write_table
from ..data.judge_files import PAIR_HASH_COLUMN
from ..data.model import Pair, PairSet
from ..errors import InputError, PreftreeError
from .prompt import JudgePrompt
from .records import (
    ORDERS,
    Journal,
    JudgeRequest,
    JudgeResult,
    journal_path,
    request_key,
)

__all__ = ["BACKENDS", "JudgeBackend", "JudgeSummary", "backends", "collect_judgments", "combine", "load_backend"]

BACKENDS = JUDGE_BACKENDS


COMPLETION_CHARS = 4000
"""Longest completion kept in the judge file (cut with a marker); the journal keeps it whole."""


class JudgeBackend(Protocol):
    """What :func:`collect_judgments` needs of a backend.

    ``run`` answers every request, calling ``on_result`` as each finishes and ``on_wait(seconds,
    reason)`` before any pause it takes (a retry's backoff, a server's ``Retry-After``), so the
    progress bar can say why nothing moves.
    """

    name: str

    @classmethod
    def from_settings(cls, model: str, settings: Any) -> JudgeBackend:
        """Build the backend for ``model`` from :class:`~preftree.judges.settings.JudgeSettings`
        (how the CLI builds every judge backend, built-in or plug-in)."""
        ...

    def describe(self) -> dict[str, Any]: ...

    def run(self, requests: Any, on_result: Any, on_wait: Any = None) -> None: ...


def load_backend(name: str) -> type:
    """A backend class by name, imported only now; an unknown name lists the known ones."""
    return load_registered(backends(), name, "judge backend")


def _sign(result: JudgeResult | None) -> int | None:
    """The verdict in the pair's original orientation: -1 = response_1 better, +1 = response_2."""
    if result is None or result.error is not None or result.verdict is None:
        return None
    if result.verdict == "C":  # a tie the judge declared ([[C]])
        return 0
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


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= COMPLETION_CHARS:
        return text
    return text[:COMPLETION_CHARS] + f" […cut: {len(text) - COMPLETION_CHARS} more characters in the journal]"


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
            "preference": preference, "error": error, PAIR_HASH_COLUMN: pair.fingerprint(),
            "completion_orig": _clip(orig.completion) if orig else None,
            "completion_swapped": _clip(swapped.completion) if swapped else None,
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
    frame: pd.DataFrame | None = field(default=None, repr=False)  # the judge file's rows

    @property
    def consistency(self) -> float | None:
        """Share of pairs with both verdicts whose verdict survives the swap."""
        both = self.n_decided + self.n_inconsistent
        return None if both == 0 else self.n_decided / both


def _requests(pairs: PairSet, prompt: JudgePrompt, settings: dict[str, Any]) -> list[JudgeRequest]:
    """Every pair in both orders, each with its content key."""
    requests = []
    for pair in pairs:
        for order in ORDERS:
            messages = _messages(pair, order, prompt)
            requests.append(JudgeRequest(pair.id, order, messages, request_key(settings, messages)))
    return requests


def _messages(pair: Pair, order: str, prompt: JudgePrompt) -> list[dict[str, str]]:
    first, second = (pair.response_1, pair.response_2) if order == "orig" else \
        (pair.response_2, pair.response_1)
    return prompt.render(pair.prompt, first, second)


def collect_judgments(pairs: PairSet, backend: JudgeBackend, out: str | Path, *, judge: str,
                      prompt: JudgePrompt | None = None, progress: bool = True,
                      journal: str | Path | None = None) -> JudgeSummary:
    """Ask ``backend`` about every pair in both orders, resuming from the journal beside ``out``.

    The output's suffix chooses its format (.csv, .jsonl, .parquet). Answers are reused by content
    (:func:`~preftree.judges.records.request_key`), so an edited pair is asked again. ``journal``
    puts the journal elsewhere than beside ``out`` (where ``out`` is in a folder written whole).
    """
    prompt = prompt or JudgePrompt()
    out = check_table_output(out)
    record = Journal(journal_path(out) if journal is None else journal)
    header, stored = record.read()
    settings = {"judge": judge, **backend.describe(), "template_sha256": prompt.sha256}
    if header is not None and header != settings:
        changed = sorted(k for k in set(header) | set(settings) if header.get(k) != settings.get(k))
        raise InputError(f"the journal {record.path} was written with other settings ({', '.join(changed)}); "
                         "use another --out, or delete the journal to start over")
    record.start(settings)
    requests = _requests(pairs, prompt, settings)
    by_slot = {(r.pair_id, r.order): r for r in requests}
    done = {r.key for r in requests if r.key in stored and stored[r.key].error is None}
    pending = [r for r in requests if r.key not in done]
    n_reused = len(requests) - len(pending)
    from .._markup import plain_line

    with record.open() as writer, progress_bar(total=len(pending), unit="req", desc=plain_line(judge)[:40],
                                        disable=not progress, dynamic_ncols=True) as bar:
        def on_result(result: JudgeResult) -> None:
            slot = by_slot.get((result.pair_id, result.order)) if isinstance(result, JudgeResult) else None
            if slot is None:
                raise PreftreeError(f"the judge backend answered a request it was not asked ({str(result)[:80]})")
            result = replace(result.checked(), request_key=slot.key)  # every field checked before it is kept
            if prompt.parser != "leading" and result.error is None and result.probability_a is None:
                result.verdict = prompt.parse(result.completion)  # the prompt's own answer format
            writer.write(result)
            stored[slot.key] = result
            bar.set_postfix_str("", refresh=False)
            bar.update(1)

        def on_wait(seconds: float, reason: str) -> None:
            bar.set_postfix_str(f"waiting {seconds:.0f} s ({reason})")

        backend.run(iter(pending), on_result, on_wait)
    # an answer is reused by content: read it in the slot it answers here (the same messages can
    # be another pair's, or this pair's other order when both responses are the same text)
    results = {slot: replace(stored[r.key], pair_id=slot[0], order=slot[1])
               for slot, r in by_slot.items() if r.key in stored}
    frame = combine(pairs, results, judge)
    write_table(frame, out)
    answered = [r for r in results.values() if r.error is None and r.verdict]
    return JudgeSummary(
        judge, out, len(pairs), len(pending), n_reused,
        n_decided=int((frame["error"] == "").sum()),
        n_api_errors=int(frame["error"].str.contains("api:", regex=False).sum()),
        n_unparsable=int(frame["error"].str.contains("unparsable", regex=False).sum()),
        n_inconsistent=int((frame["error"] == "inconsistent").sum()),
        first_position_share=(sum(r.verdict == "A" for r in answered) / len(answered)) if answered else None,
        frame=frame)
