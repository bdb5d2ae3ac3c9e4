"""Annotating pairs with traits: for every pair and trait an annotator (any judge backend) says
which response shows the trait more, or neither, in both presentation orders. Answers are
journaled by content, so a rerun asks nothing twice; a malformed answer is asked once more, then
recorded as unreadable, never guessed.

A trait's value is +1 (response_2 shows it more), −1 (response_1), 0 (neither, or the two orders
disagree: counted apart as inconsistent), empty where an order has no readable answer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from .._folders import output_dir
from .._progress import progress_bar
from ..data.judge_files import PAIR_HASH_COLUMN
from ..data.model import PairSet
from ..errors import InputError
from ..features.traits import Trait
from .collect import JudgeBackend
from .records import ORDERS, Journal, JudgeRequest, JudgeResult, request_key
from .trait_prompt import TraitPrompt, parse_trait_answers

__all__ = ["TraitAnnotation", "annotate_traits", "journal_file", "write_annotation"]

_ORIG = {"A": -1, "B": 1, "C": 0}  # the original order: A is response_1
_SWAPPED = {"A": 1, "B": -1, "C": 0}  # swapped: A is response_2


@dataclass
class TraitAnnotation:
    """The trait values (index: pair id; one column per trait slug) and what the run did."""

    values: pd.DataFrame
    traits: list[Trait]
    annotator: str
    n_requests: int = 0
    n_asked: int = 0
    n_reused: int = 0
    n_retried: int = 0
    n_api_errors: int = 0
    n_unreadable: int = 0  # answers (request × order) with no readable letter per trait
    n_inconsistent: int = 0  # trait values whose two orders disagree
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in ("annotator", "n_requests", "n_asked", "n_reused", "n_retried",
                                                    "n_api_errors", "n_unreadable", "n_inconsistent")}


def journal_file(out: str | Path) -> Path:
    """Where a run's answers are kept: beside the output folder, which is written whole."""
    out = Path(out)
    return out.parent / f".{out.name}.annotate.jsonl"


def _chunks(traits: list[Trait], size: int) -> list[list[Trait]]:
    return [traits[i:i + size] for i in range(0, len(traits), size)]


def annotate_traits(pairs: PairSet, backend: JudgeBackend, traits: Sequence[Trait], *, journal: str | Path,
                    annotator: str, prompt: TraitPrompt | None = None, traits_per_request: int | None = None,
                    progress: bool = True) -> TraitAnnotation:
    """Ask ``backend`` about every trait of every pair, ``traits_per_request`` traits a request (all
    by default; one with a ``{trait}`` template): 2 × ⌈traits / K⌉ requests per pair, plus retries."""
    prompt = prompt or TraitPrompt()
    traits = list(traits)
    size = 1 if prompt.single else min(traits_per_request or len(traits), len(traits))
    if size < 1:
        raise InputError("--traits-per-request must be at least 1")
    chunks = _chunks(traits, size)
    settings = {"annotator": annotator, **backend.describe(), "template_sha256": prompt.sha256,
                "task": "traits"}
    record = Journal(journal)
    header, stored = record.read()
    if header is not None and header != settings:
        changed = sorted(k for k in set(header) | set(settings) if header.get(k) != settings.get(k))
        raise InputError(f"the journal {record.path} was written with other settings ({', '.join(changed)}); "
                         "use another --out, or delete the journal to start over")
    record.start(settings)
    slots: dict[str, tuple[str, int, str]] = {}  # request id → (pair id, chunk, order)
    requests: list[JudgeRequest] = []
    for pair in pairs:
        for index, chunk in enumerate(chunks):
            for order in ORDERS:
                first, second = (pair.response_1, pair.response_2) if order == "orig" else \
                    (pair.response_2, pair.response_1)
                messages = prompt.render(pair.prompt, first, second, chunk)
                rid = f"r{len(requests)}"
                slots[rid] = (pair.id, index, order)
                requests.append(JudgeRequest(rid, order, messages, request_key(settings, messages)))

    def readable(result: JudgeResult | None, index: int) -> list[str] | None:
        if result is None or result.error is not None:
            return None
        return parse_trait_answers(result.completion, len(chunks[index]), single=prompt.single)

    run = TraitAnnotation(pd.DataFrame(), traits, annotator, n_requests=len(requests), settings=settings)
    pending = [r for r in requests if r.key not in stored or stored[r.key].error is not None]
    run.n_reused = len(requests) - len(pending)
    retries = Journal(Path(f"{record.path}.retried"))  # which malformed answers were asked again, across runs
    retry_header, retried = retries.read()
    if retry_header is not None and retry_header != settings:
        retried = {}
    retries.start(settings)
    with record.open() as writer, retries.open() as retry_writer, \
            progress_bar(total=len(pending), unit="req", desc="traits", disable=not progress, dynamic_ncols=True) as bar:
        again = False

        def on_result(result: JudgeResult) -> None:
            request = by_id.get(result.pair_id)
            if request is None:
                raise InputError(f"the annotator answered a request it was not asked ({str(result)[:80]})")
            kept = replace(result.checked(), request_key=request.key)
            writer.write(kept)
            stored[request.key] = kept
            if again:
                retry_writer.write(kept)
            bar.update(1)

        by_id = {r.pair_id: r for r in pending}
        backend.run(iter(pending), on_result)
        run.n_asked = len(pending)
        retry = [r for r in requests if r.key not in retried and stored.get(r.key) is not None
                 and stored[r.key].error is None and readable(stored[r.key], slots[r.pair_id][1]) is None]
        if retry:  # a malformed answer is asked once more (also one an interrupted run left), then kept unreadable
            again = True
            bar.total = (bar.total or 0) + len(retry)
            by_id = {r.pair_id: r for r in retry}
            backend.run(iter(retry), on_result)
            run.n_retried = len(retry)
    rows: dict[str, dict[str, float]] = {pair.id: {} for pair in pairs}
    letters: dict[tuple[str, int, str], list[str] | None] = {}
    for request in requests:
        pair_id, index, order = slots[request.pair_id]
        result = stored.get(request.key)
        if result is not None and result.error is not None:
            run.n_api_errors += 1
        answer = readable(result, index)
        if answer is None and result is not None and result.error is None:
            run.n_unreadable += 1
        letters[(pair_id, index, order)] = answer
    for pair in pairs:
        for index, chunk in enumerate(chunks):
            orig, swapped = letters[(pair.id, index, "orig")], letters[(pair.id, index, "swapped")]
            for position, trait in enumerate(chunk):
                if orig is None or swapped is None:
                    rows[pair.id][trait.slug] = math.nan
                    continue
                a, b = _ORIG[orig[position]], _SWAPPED[swapped[position]]
                if a != b:
                    run.n_inconsistent += 1
                rows[pair.id][trait.slug] = float(a if a == b else 0)
    run.values = pd.DataFrame.from_dict(rows, orient="index", columns=[t.slug for t in traits])
    run.values.index.name = "id"
    return run


def write_annotation(run: TraitAnnotation, pairs: PairSet, out: str | Path, *, force: bool = False,
                     inputs: Sequence[Any] = ()) -> Path:
    """The folder: ``traits.parquet`` (``id``, one column per trait, and ``pair_sha``: the hash of the
    pair's texts in this orientation, checked when the traits are read), ``annotated_pairs.json``
    (AnnotatedPairs 2.0, the label and traits as annotators) and ``traits.json`` (the traits asked,
    with their questions, and the run's counts); all or nothing."""
    from ..data.annotated_pairs import to_annotated_pairs
    from ..data.files import write_table

    out = Path(out)
    with output_dir(out, [pairs.source, *inputs], force=force) as tmp:
        frame = run.values.reset_index()
        frame[PAIR_HASH_COLUMN] = [pairs[str(i)].fingerprint() for i in frame["id"]]  # texts and orientation
        write_table(frame, tmp / "traits.parquet")
        descriptions = {t.slug: t.description for t in run.traits}
        document = to_annotated_pairs(pairs, run.values, descriptions, list(pairs.judges), dataset_name=pairs.name)
        (tmp / "annotated_pairs.json").write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n",
                                                  encoding="utf-8")
        (tmp / "traits.json").write_text(json.dumps({
            "traits": [{"slug": t.slug, "description": t.description, "question": t.question} for t in run.traits],
            **run.summary(), "pairs": pairs.source, "n_pairs": len(pairs)}, indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8")
    return out
