"""Judge files: verdicts of LLM judges, reward models or annotators on pairs.

Read layouts: RLHFlow's ``collect_llm_preferences.py`` output (``index``, ``preference``, the
per-order verdicts), which ``preftree judge`` and ``compare --pairs`` also write; JudgeBench's
judge outputs (a ``judgments`` list with one ``decision`` per presentation order, the second made
on the swapped pair); and label columns inside a pairs file (:func:`judges_from_columns`).
Per-order verdicts may be -1/0/+1 in the pair's orientation or the raw answer of that order
(``A``, ``B``, ``A>B``, ``A>>B``, ``B>A``, ``A=B``, ``[[A]]``, ``[[C]]``); when a file has no
``preference`` column it is derived from the two orders (kept when they agree, else 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from ..errors import InputError
from .files import SUPPORTED_SUFFIXES, read_table
from .label_column import read_labels
from .labels import parse_label
from .model import Judgment, JudgmentSet, PairSet
from .rows import _clean_metadata

__all__ = ["PAIR_HASH_COLUMN", "judges_from_columns", "load_judges", "load_judgments"]

PAIR_HASH_COLUMN = "pair_sha"
"""Judge-file column with each pair's :meth:`~preftree.data.model.Pair.fingerprint`."""

_NO_VERDICT = {"API-ERROR", "FORMAT-ERROR", ""}
_ORDER_COLUMNS = ("preference_orig_order", "preference_swapped_order")


def _order_verdict(value: Any, swapped: bool) -> int | None:
    """A verdict in one presentation order, in the pair's original orientation.

    Numbers are taken as already oriented (-1/0/+1); letters and ``A>B``-style verdicts are the
    raw answer in that order (``A`` = the response shown first), so ``A`` in the swapped order
    means response_2.

    >>> _order_verdict("A>>B", False), _order_verdict("[[A]]", True), _order_verdict(-1, True)
    (-1, 1, -1)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.upper() in _NO_VERDICT:
            return None
        try:
            float(text)
        except ValueError:
            try:
                raw = parse_label(text, "ab")
            except InputError:
                raise InputError(value) from None
            assert raw is not None
            return -raw if swapped else raw
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(value) from None
    if number not in (-1.0, 0.0, 1.0):
        raise InputError(value)
    return int(number)


def _combined(orig: int | None, swapped: int | None) -> int | None:
    if orig is None or swapped is None:
        return None
    return orig if orig == swapped else 0


def _judgebench_orders(judgments: Any) -> list[Any]:
    """The per-order decisions of a JudgeBench judge output row: one (single game) or two (the
    second made on the pair shown B first); a failed judgment is ``None``."""
    if isinstance(judgments, np.ndarray):
        judgments = judgments.tolist()
    if not isinstance(judgments, list) or not judgments:
        raise InputError("'judgments' must be a list of one or two judgments")
    return [j.get("decision") if isinstance(j, dict) else None for j in judgments[:2]]


def load_judgments(path: str | Path, *, pairs: PairSet | None = None,
                   name: str | None = None) -> list[JudgmentSet]:
    """Load a judge file (see the module docstring for the layouts).

    ``index`` (or ``id``/``pair_id``) is the pair id; ``model`` (default: ``name`` or the file
    name) names the judge, so one file may hold several. With ``pairs``, ids that match no pair are
    an error, and verdicts whose ``pair_sha`` does not match their pair are refused. A row without a
    verdict and with an ``error`` (``preftree judge``: an API error or an unparsable answer) is left
    out rather than read as "no preference".
    """
    table = read_table(path)
    table.refuse_bad_rows()
    frame = table.frame
    columns = [str(c) for c in frame.columns]
    id_column = next((c for c in ("index", "id", "pair_id") if c in columns), None)
    judgebench = "judgments" in columns
    has_orders = all(c in columns for c in _ORDER_COLUMNS)
    if id_column is None or not ("preference" in columns or has_orders or judgebench):
        raise InputError("a judge file needs 'index' (the pair id) and 'preference' (-1 = "
                         "response_1 better, 0 = none, +1 = response_2 better), or the two per-order "
                         "verdicts, or JudgeBench's 'judgments'; found "
                         f"{', '.join(map(repr, columns))}", path=table.path)
    default_judge = name or table.path.stem
    by_judge: dict[str, list[Judgment]] = {}
    skipped = 0
    for position, record in enumerate(table.records()):
        raw_id = record[id_column]
        if raw_id is None or (isinstance(raw_id, float) and math.isnan(raw_id)) or raw_id == "":
            raise table.error(position, f"empty {id_column!r} (the pair id)")
        pair_id = str(raw_id.item() if isinstance(raw_id, np.generic) else raw_id)
        judge = next((str(record[k]) for k in ("model", "judge_name") if isinstance(record.get(k), str)),
                     default_judge)
        try:
            if judgebench:
                decisions = _judgebench_orders(record["judgments"])
                orig = _order_verdict(decisions[0], False)
                swapped = _order_verdict(decisions[1], True) if len(decisions) > 1 else None
                preference = orig if len(decisions) == 1 else _combined(orig, swapped)
            else:
                orig = _order_verdict(record.get(_ORDER_COLUMNS[0]), swapped=False)
                swapped = _order_verdict(record.get(_ORDER_COLUMNS[1]), swapped=True)
                preference = _order_verdict(record["preference"], swapped=False) \
                    if "preference" in record else _combined(orig, swapped)
        except InputError as exc:
            raise table.error(position, f"verdict {exc.args[0]!r} is not -1, 0, +1 (or A, B, A>B, "
                                        "A>>B, B>A, A=B, [[A]] in the per-order columns)") from None
        if preference is None:
            if judgebench or str(record.get("error") or "").strip() not in ("", "nan"):
                skipped += 1
                continue  # no verdict, and the file says why (API error, unparsable): not a tie
            raise table.error(position, "empty 'preference'")
        extra = {k: _clean_metadata(v) for k, v in record.items() if k not in
                 (id_column, "model", "preference", *_ORDER_COLUMNS, "judgments")}
        by_judge.setdefault(judge, []).append(Judgment(pair_id, judge, preference, orig, swapped,
                                                       extra))
    if not by_judge:
        reason = f" ({skipped} rows have no verdict, see their 'error')" if skipped else ""
        raise InputError(f"no verdicts in file{reason}", path=table.path)
    sets = []
    for judge, judgments in by_judge.items():
        try:
            judgment_set = JudgmentSet(judge, judgments, source=str(table.path), label_format="signed")
        except InputError as exc:
            raise InputError(str(exc), path=table.path) from None
        if pairs is not None:
            judgment_set = _within_pairs(judgment_set, pairs, table.path)
            judgment_set.checked = _check_fingerprints(judgment_set, pairs, table.path)
        sets.append(judgment_set)
    return sets


def judges_from_columns(pairs: PairSet, columns: Sequence[str], label_format: str = "auto",
                        label_map: Any = None) -> list[JudgmentSet]:
    """Label columns inside the pairs file as judges (PandaLM's annotator1-3, a second rater):
    each column's format is the native layout's published one (PandaLM's annotators), the one
    named, the ``label_map`` coding, or detected on its own where no dataset reads it otherwise."""
    from .formats import pairs_formats

    native = pairs_formats(plugins=pairs.pairs_format).get(pairs.pairs_format)
    sets = []
    for column in columns:
        values = pairs.metadata_values(column)  # by column: a set read for features holds no Pair objects
        if all(v is None for v in values):
            raise InputError(f"--judge-column {column!r}: no such column; columns: "
                             f"{', '.join(pairs.metadata_columns())}", path=pairs.source)
        fmt, how = label_format, None
        if fmt == "auto" and label_map is None and native is not None and column in native.column_formats:
            fmt, how = native.column_formats[column], f"the published coding of the {native.name} layout"
        parsed = read_labels(values, fmt, source=str(pairs.source), column=column,
                             label_map=label_map, ids=pairs.ids, how=how)
        judgments = [Judgment(pair_id, column, preference, weight=weight or 1.0)
                     for pair_id, preference, weight in zip(pairs.ids, parsed.preferences, parsed.weights)
                     if preference is not None]
        judgment_set = JudgmentSet(column, judgments, source=pairs.source, label_format=parsed.format)
        judgment_set.checked = True  # read from the pairs file itself
        sets.append(judgment_set)
    return sets


def _check_fingerprints(judgments: JudgmentSet, pairs: PairSet, path: PurePath) -> bool | None:
    """Verdicts made on other texts, or on the pairs in the other orientation, are refused: their
    -1/+1 would be read against the wrong responses. ``None`` when the file carries no hashes."""
    stated = {j.pair_id: j.metadata.get(PAIR_HASH_COLUMN) for j in judgments}
    stated = {k: str(v) for k, v in stated.items() if isinstance(v, str) and v}
    judgments.n_unchecked = len(judgments) - len(stated)  # rows without a hash: said, not skipped
    if not stated:
        return None
    swapped = [i for i, h in stated.items() if h != pairs[i].fingerprint()
               and h == pairs[i].swapped().fingerprint()]
    other = [i for i, h in stated.items() if h != pairs[i].fingerprint() and i not in swapped]
    if swapped or other:
        parts = []
        if swapped:
            parts.append(f"{len(swapped)} were made on the pairs with response_1 and response_2 "
                         f"swapped (e.g. {', '.join(map(repr, swapped[:3]))}): the pairs file is "
                         "in the other orientation (check --map)")
        if other:
            parts.append(f"{len(other)} were made on other texts (e.g. "
                         f"{', '.join(map(repr, other[:3]))}): the pairs were edited since, or this "
                         "is another pairs file")
        raise InputError(f"of {len(stated)} verdicts of judge {judgments.judge!r}, "
                         f"{'; '.join(parts)}; no verdict was read", path=path)
    return True


MIN_COVERAGE = 0.5
"""Share of the pairs a judge file must give verdicts on when it also names pairs that are not
there: below it, the ids are more likely wrong than the pairs a subset."""


def _within_pairs(judgments: JudgmentSet, pairs: PairSet, path: PurePath) -> JudgmentSet:
    """The verdicts on these pairs. A judge file over more pairs than the pairs file (LLMBar's
    Natural subset with the judge file of all 419) is the ordinary subset analysis: the verdicts
    outside are counted (``n_outside``), not an error, unless the pairs file is mostly uncovered."""
    unknown = [i for i in judgments.ids if i not in pairs]
    if not unknown:
        return judgments
    covered = len(judgments) - len(unknown)
    if covered < MIN_COVERAGE * len(pairs):
        examples = ", ".join(map(repr, unknown[:5]))
        raise InputError(f"{len(unknown)} of {len(judgments)} verdicts of judge "
                         f"{judgments.judge!r} name pair ids that are not in {pairs.source or 'the pairs'} "
                         f"(e.g. {examples}), and only {covered} of its {len(pairs)} pairs have a verdict; "
                         "the judge file's 'index' must be the pair 'id'", path=path)
    kept = JudgmentSet(judgments.judge, [j for j in judgments if j.pair_id in pairs],
                       source=judgments.source, label_format=judgments.label_format)
    kept.n_outside = len(unknown)
    return kept


PROBE_STAGES = (".base", ".edited")
"""``preftree probe`` writes an LLM judge's verdicts as NAME.base.csv (the pairs as given) and
NAME.edited.csv (the edited copies, whose pairs are in edited_pairs.jsonl)."""


def _judge_files_in(folder: Path) -> tuple[Path, list[Path], str | None]:
    """The judge files of a folder. A probe run's folder (or its judge_files/) gives the
    verdicts on the pairs as given; the verdicts on edited copies are set apart, with a note."""
    if (folder / "probe.json").is_file() and (folder / "judge_files").is_dir():
        folder = folder / "judge_files"
    files = sorted(p for p in folder.iterdir()
                   if p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith("."))
    probe_run = folder.name == "judge_files" and (folder.parent / "probe.json").is_file()
    stems = {p.name[: -len(p.suffix)] for p in files}
    edited = [p for p in files if p.stem.endswith(PROBE_STAGES[1])
              and p.stem[: -len(PROBE_STAGES[1])] + PROBE_STAGES[0] in stems]
    if not edited or not probe_run:  # only a folder a probe run wrote (its probe.json beside it)
        return folder, files, None
    note = (f"{folder} is a probe run's: the verdicts on the pairs as given (*{PROBE_STAGES[0]}) are read; "
            f"the {len(edited)} file(s) of verdicts on edited copies (*{PROBE_STAGES[1]}) are set apart "
            "(their pairs are in the run's edited_pairs.jsonl)")
    return folder, [p for p in files if p not in edited], note


def load_judges(paths: Iterable[str | Path], *, pairs: PairSet | None = None) -> list[JudgmentSet]:
    """Load judge files and folders of judge files (sorted by name); judge names must be unique."""
    sets: list[JudgmentSet] = []
    for entry in paths:
        entry = Path(entry)
        note = None
        if entry.is_dir():
            entry, files, note = _judge_files_in(entry)
            if not files:
                raise InputError(f"no judge files ({', '.join(SUPPORTED_SUFFIXES)}) in folder",
                                 path=entry)
        else:
            files = [entry]
        for file in files:
            found = load_judgments(file, pairs=pairs)
            for judgment_set in found:
                judgment_set.note = note
            sets.extend(found)
    names = [s.judge for s in sets]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"judge name(s) {', '.join(map(repr, duplicates))} appear in more than "
                         "one file; give each judge one file or distinct 'model' values")
    return sets
