"""A probe run: ask each judge about the pairs, edit the response it did not prefer (and, apart,
the one it preferred), ask again, and measure how often the edit flips the verdict.

Outputs, in one folder written whole (:func:`preftree._folders.output_dir`):

- ``probe.json``: the settings, each probe's description, and one record per judge × probe ×
  target (:mod:`preftree.probes.measures`);
- ``edited_pairs.jsonl``: every pair asked about, in preftree's pairs layout, with ``source_id``,
  ``probe``, ``target`` and ``edited`` (which response changed);
- ``verdicts.csv``: each judge's verdict and score on each of them, before and after;
- ``judge_files/``: an LLM judge's judge files (both orders, raw completions).

An LLM judge's answers are journaled beside the folder (``.NAME.journals/``), so a rerun asks
nothing it asked before; a reward model's scores go through the scoring cache.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from .._folders import output_dir
from .._markup import csv_frame
from .._version import __version__
from ..data.model import Pair, PairSet
from ..errors import InputError
from ..judges.llm import llm_judges, place_llm_judges
from ..judges.protocol import Judge, Verdict, judge_slug
from .catalogue import PAIR_PROBES
from .edits import LENGTH_MATCHED, MAX_EDIT_GROWTH, NULL, TextProbe, edit_bound, filler
from .measures import EditOutcome, pair_probe_record, text_probe_record

__all__ = ["EditedPair", "ProbeResult", "design_edits", "journal_folder", "probe_judges", "write_probe"]

TARGETS = ("loser", "winner")


@dataclass(frozen=True)
class EditedPair:
    """A pair a probe asks about: ``edited_side`` is the response changed (-1 = response_1, +1 =
    response_2, 0 = the pair itself), ``winner_side`` the one the judge preferred before."""

    pair: Pair
    source_id: str
    probe: str
    target: str
    edited_side: int
    winner_side: int


def _edit(pair: Pair, probe: TextProbe, side: int, seed: int) -> Pair:
    """``pair`` with the response on ``side`` edited by ``probe``; the random choices depend on the
    seed, the pair, the probe and the side only, so every judge sees the same edit."""
    rng = random.Random(f"{seed}:{pair.id}:{probe.name}:{side}")
    text, other = (pair.response_1, pair.response_2) if side == -1 else (pair.response_2, pair.response_1)
    edited = str(probe.edit(text, other, rng))
    if len(edited) > edit_bound(text, other):  # a plug-in's edit too: bounded like the built-in ones
        raise InputError(f"the probe {probe.name!r} made a response of {len(edited):,} characters from one of "
                         f"{len(text):,}; an edit may grow a text at most {MAX_EDIT_GROWTH}-fold")
    first, second = (edited, pair.response_2) if side == -1 else (pair.response_1, edited)
    return Pair(f"{pair.id}:{probe.name}:{'response_1' if side == -1 else 'response_2'}", pair.prompt,
                first, second, metadata=pair.metadata)


def _same_words(edited: Pair, pair: Pair) -> bool:
    """Whether an edit changed nothing but white space (only the null edit means to)."""
    return all(" ".join(a.split()) == " ".join(b.split())
               for a, b in ((edited.response_1, pair.response_1), (edited.response_2, pair.response_2)))


def _length_change(pair: Pair, edited: Pair, side: int) -> int:
    """Characters the edit added to the response on ``side`` (negative: removed)."""
    return len(edited.response_1) - len(pair.response_1) if side == -1 else len(edited.response_2) - len(pair.response_2)


def _padded(pair: Pair, side: int, added: int, seed: str) -> Pair:
    """``pair`` with about ``added`` characters of content-free filler appended on ``side``."""
    text = (pair.response_1 if side == -1 else pair.response_2).rstrip()
    padded = text + "\n\n" + filler(max(0, added - 2), random.Random(seed))
    first, second = (padded, pair.response_2) if side == -1 else (pair.response_1, padded)
    return Pair(f"{pair.id}:{LENGTH_MATCHED.strip('~')}:{'response_1' if side == -1 else 'response_2'}",
                pair.prompt, first, second, metadata=pair.metadata)


def design_edits(pairs: Sequence[Pair], before: Sequence[Verdict], probes: Sequence[TextProbe],
                 pair_probes: Sequence[str], *, seed: int = 0,
                 targets: Sequence[str] = TARGETS) -> list[EditedPair]:
    """Every edited pair for one judge: each text probe (and the null edit) on the loser and on
    the winner of each pair the judge decided; ``same`` for every pair."""
    edits: list[EditedPair] = []
    for pair, verdict in zip(pairs, before):
        if verdict.preference in (-1, 1):
            winner = verdict.preference
            for target in targets:
                side = -winner if target == "loser" else winner
                for probe in (*probes, NULL):
                    edited = _edit(pair, probe, side, seed)
                    if probe is not NULL and _same_words(edited, pair):
                        continue  # nothing for the edit to change (plain on a text without markdown)
                    edits.append(EditedPair(edited, pair.id, probe.name, target, side, winner))
                    added = _length_change(pair, edited, side)
                    if added > 0 and probe.name != "length":  # a text-adding edit: its length-matched null
                        edits.append(EditedPair(_padded(pair, side, added, f"{seed}:{edited.id}"), pair.id,
                                                probe.name + LENGTH_MATCHED, target, side, winner))
        if "same" in pair_probes:
            twin = Pair(f"{pair.id}:same", pair.prompt, pair.response_1, pair.response_1,
                        metadata=pair.metadata)
            edits.append(EditedPair(twin, pair.id, "same", "pair", 0, 0))
    return edits


@dataclass
class ProbeResult:
    """One judge's probe run: its verdicts before and after, and the records of ``probe.json``."""

    judge: Judge
    pairs: list[Pair]
    before: list[Verdict]
    edits: list[EditedPair]
    after: list[Verdict]
    records: list[dict[str, Any]] = field(default_factory=list)


def _unique_ids(edits: list[EditedPair]) -> list[EditedPair]:
    """Every edited pair under its own id (pair ids may contain the ``:`` that joins the parts,
    so two edits could otherwise share one id and one verdict)."""
    seen: set[str] = set()
    unique = []
    for edit in edits:
        base, n, new_id = edit.pair.id, 1, edit.pair.id
        while new_id in seen:
            n += 1
            new_id = f"{base}#{n}"
        seen.add(new_id)
        if new_id != base:
            edit = replace(edit, pair=replace(edit.pair, id=new_id))
        unique.append(edit)
    return unique


def probe_judges(judges: Sequence[Judge], pairs: PairSet, probes: Sequence[TextProbe],
                 pair_probes: Sequence[str], *, seed: int = 0) -> list[ProbeResult]:
    """Run every probe against every judge."""
    results = []
    for judge in judges:
        base = list(pairs)
        before = judge.verdicts(pairs, "base")
        edits = design_edits(base, before, probes, pair_probes, seed=seed)
        if "order" in pair_probes and not judge.sees_positions:
            edits += [EditedPair(Pair(f"{p.id}:order", p.prompt, p.response_2, p.response_1,
                                      metadata=p.metadata), p.id, "order", "pair", 0, 0) for p in base]
        edits = _unique_ids(edits)
        edited_set = PairSet([e.pair for e in edits], source=f"{pairs.source or 'pairs'} (edited)")
        answers = dict(zip(edited_set.ids, judge.verdicts(edited_set, "edited")))
        after = [answers[e.pair.id] for e in edits]
        result = ProbeResult(judge, base, before, edits, after)
        result.records = _records(result, probes, pair_probes)
        results.append(result)
    return results


def _records(result: ProbeResult, probes: Sequence[TextProbe], pair_probes: Sequence[str]) -> list[dict[str, Any]]:
    judge, by_id = result.judge, {p.id: v for p, v in zip(result.pairs, result.before)}
    pairs = {p.id: p for p in result.pairs}
    n_undecided = sum(v.preference not in (-1, 1) for v in result.before)
    outcomes: dict[tuple[str, str], list[EditOutcome]] = {}
    for edit, after in zip(result.edits, result.after):
        if edit.target in TARGETS:
            outcomes.setdefault((edit.probe, edit.target), []).append(
                EditOutcome(by_id[edit.source_id], after, edit.edited_side, edit.winner_side,
                            _length_change(pairs[edit.source_id], edit.pair, edit.edited_side)))
    n_decided = len(result.pairs) - n_undecided
    records = [text_probe_record(judge, probe, target, outcomes.get((probe.name, target), []),
                                 outcomes.get((NULL.name, target), []), n_undecided,
                                 n_unchanged=n_decided - len(outcomes.get((probe.name, target), [])),
                                 length_matched=outcomes.get((probe.name + LENGTH_MATCHED, target), []))
               for probe in probes for target in TARGETS]
    for name in pair_probes:
        if name == "order":
            swapped = [a for e, a in zip(result.edits, result.after) if e.probe == "order"]
            records.append(pair_probe_record(judge, "order", result.before, swapped or None))
        else:
            records.append(pair_probe_record(judge, "same", [a for e, a in zip(result.edits, result.after)
                                                             if e.probe == "same"]))
    return records


def journal_folder(out: str | Path) -> Path:
    """Where LLM judges' journals live: beside the output folder, which is written whole."""
    out = Path(out)
    return out.parent / f".{out.name}.journals"


def _edited_rows(results: Sequence[ProbeResult]) -> list[dict[str, Any]]:
    rows, several = [], len(results) > 1
    for result in results:
        for edit in result.edits:
            pair = edit.pair
            rows.append({
                "id": f"{result.judge.name}:{pair.id}" if several else pair.id,
                "prompt": pair.prompt, "response_1": pair.response_1, "response_2": pair.response_2,
                "source_id": edit.source_id, "probe": edit.probe, "target": edit.target,
                "edited": {-1: "response_1", 1: "response_2", 0: "pair"}[edit.edited_side],
                "judge": result.judge.name})
    return rows


def _verdict_rows(results: Sequence[ProbeResult]) -> pd.DataFrame:
    rows = []
    for result in results:
        for pair, verdict in zip(result.pairs, result.before):
            rows.append({"judge": result.judge.name, "id": pair.id, "source_id": pair.id,
                         "probe": "none", "target": "", "preference": verdict.preference,
                         "score": verdict.score, "flipped": None})
        by_id = {p.id: v for p, v in zip(result.pairs, result.before)}
        for edit, after in zip(result.edits, result.after):
            outcome = EditOutcome(by_id[edit.source_id], after, edit.edited_side, edit.winner_side)  # flips only
            rows.append({"judge": result.judge.name, "id": edit.pair.id, "source_id": edit.source_id,
                         "probe": edit.probe, "target": edit.target, "preference": after.preference,
                         "score": after.score,
                         "flipped": outcome.flipped if edit.target in TARGETS else None})
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["preference"] = frame["preference"].astype("Int8")
    return frame


def write_probe(judges: Sequence[Judge], pairs: PairSet, probes: Sequence[TextProbe],
                pair_probes: Sequence[str], out: str | Path, *, seed: int = 0,
                settings: dict[str, Any] | None = None, inputs: Sequence[Any] = (),
                force: bool = False) -> list[ProbeResult]:
    """Run the probes and write the folder ``out`` (all or nothing)."""
    out = Path(out)
    journals = journal_folder(out)
    if journals.is_symlink() or (journals.exists() and not journals.is_dir()):
        raise InputError("the journal folder must be a real folder preftree made, not a link or a "
                         "file; move it away", path=journals)
    for judge in llm_judges(judges):
        path = journals / f"{judge_slug(judge.name)}.jsonl"
        if os.path.lexists(path) and (path.is_symlink() or not path.is_file()):
            raise InputError("a journal must be a regular file, not a link, FIFO or device; move "
                             "it away", path=path)
    with output_dir(out, [pairs.source, *inputs], force=force) as tmp, place_llm_judges(
            judges, lambda llm: {"folder": tmp / "judge_files",
                                 "journal": journal_folder(out) / f"{judge_slug(llm.name)}.jsonl"}):
        results = probe_judges(judges, pairs, probes, pair_probes, seed=seed)
        document = {
            "preftree_version": __version__, "pairs": pairs.source, "n_pairs": len(pairs),
            "seed": seed, **(settings or {}),
            "judges": [{"name": r.judge.name, "kind": r.judge.kind, "shift_unit": r.judge.shift_unit}
                       for r in results],
            "probes": [{"name": p.name, "description": p.description, "features": list(p.features),
                        "example": list(p.example)} for p in probes]
            + [{"name": name, "description": PAIR_PROBES[name], "features": [], "example": []}
               for name in pair_probes],
            "null_edit": NULL.description,
            "records": [record for r in results for record in r.records],
        }
        (tmp / "probe.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
        with (tmp / "edited_pairs.jsonl").open("w", encoding="utf-8") as handle:
            for row in _edited_rows(results):
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        csv_frame(_verdict_rows(results)).to_csv(tmp / "verdicts.csv", index=False)
    return results
