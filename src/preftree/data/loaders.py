"""Loading pairs and judge verdicts from files into the shared data model."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from .files import SUPPORTED_SUFFIXES, Table, read_table
from .labels import read_labels
from .model import Judgment, JudgmentSet, Pair, PairSet

__all__ = ["PAIR_ALIASES", "PAIR_HASH_COLUMN", "load_judges", "load_judgments", "load_pairs",
           "pairs_from_table"]

PAIR_HASH_COLUMN = "pair_sha"
"""Judge-file column with each pair's :meth:`~preftree.data.model.Pair.fingerprint`."""

PAIR_COLUMNS = ("id", "prompt", "response_1", "response_2")
PAIR_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("pair_id", "index", "question_id"),
    "prompt": ("question", "instruction", "input"),
    "response_1": ("response_A", "response_a", "output_1"),
    "response_2": ("response_B", "response_b", "output_2"),
}
"""Column names used for the canonical ones when the canonical column is absent (JudgeBench,
AlpacaEval, LLMBar). An explicit ``--map`` always wins."""


def _resolve_columns(columns: Sequence[str], mapping: Mapping[str, str], required: Sequence[str],
                     aliases: Mapping[str, Sequence[str]], path: Path) -> dict[str, str]:
    resolved: dict[str, str] = {}
    for canonical in required:
        if canonical in mapping:
            source = mapping[canonical]
            if source not in columns:
                raise InputError(f"--map names column {source!r} for {canonical!r}, but the file "
                                 f"has only {', '.join(map(repr, columns))}", path=path)
            resolved[canonical] = source
        elif canonical in columns:
            resolved[canonical] = canonical
        else:
            found = [a for a in aliases.get(canonical, ()) if a in columns]
            if len(found) == 1:
                resolved[canonical] = found[0]
    missing = [c for c in required if c not in resolved]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(map(repr, missing))}; expected {', '.join(required)} "
            f"(or map them with --map {missing[0]}=COLUMN); found {', '.join(map(repr, columns))}",
            path=path)
    return resolved


def _check_prompt(value: Any, table: Table, position: int) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list) and value and all(
            isinstance(m, Mapping) and isinstance(m.get("role"), str)
            and isinstance(m.get("content"), str) for m in value):
        return [{"role": m["role"], "content": m["content"]} for m in value]
    raise table.error(position, "'prompt' must be a string or a list of {role, content} "
                      f"messages, found {type(value).__name__}")


def _clean_metadata(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def pairs_from_table(table: Table, *, mapping: Mapping[str, str] | None = None,
                     label_column: str | None = None, label_format: str = "auto",
                     label_name: str = "label", name: str | None = None,
                     use_labels: bool = True) -> PairSet:
    """Build a :class:`PairSet` from a read table (see :func:`load_pairs`)."""
    mapping = dict(mapping or {})
    frame = table.frame
    columns = [str(c) for c in frame.columns]
    if label_column is None and "label" in mapping:
        label_column = mapping["label"]
    resolved = _resolve_columns(columns, mapping, PAIR_COLUMNS, PAIR_ALIASES, table.path)
    if label_column is None and "label" in columns and use_labels:
        label_column = "label"
    if not use_labels:
        label_column = None  # a command that uses no label keeps the column as metadata
    if label_column is not None and label_column not in columns:
        raise InputError(f"label column {label_column!r} not found; found "
                         f"{', '.join(map(repr, columns))}", path=table.path)
    labels: list[int | None] = [None] * len(frame)
    weights: list[float | None] = [None] * len(frame)
    used_format = None
    if label_column is not None:
        parsed = read_labels(frame[label_column].tolist(), label_format, source=str(table.path),
                             column=label_column, lines=table.lines)
        labels, weights, used_format = parsed.preferences, parsed.weights, parsed.format
    used = set(resolved.values()) | ({label_column} if label_column else set())
    extra = [c for c in columns if c not in used]
    pairs: list[Pair] = []
    seen: dict[str, int] = {}
    records = frame.to_dict("records")
    for position, record in enumerate(records):
        raw_id = record[resolved["id"]]
        if raw_id is None or (isinstance(raw_id, float) and math.isnan(raw_id)):
            raise table.error(position, "empty 'id'")
        pair_id = str(raw_id.item() if isinstance(raw_id, np.generic) else raw_id)
        if pair_id in seen:
            raise table.error(position, f"duplicate id {pair_id!r} (first at "
                                        f"{table.row_word} {table.lines[seen[pair_id]]})")
        seen[pair_id] = position
        prompt = _check_prompt(record[resolved["prompt"]], table, position)
        responses = []
        for key in ("response_1", "response_2"):
            text = record[resolved[key]]
            if not isinstance(text, str):
                raise table.error(position, f"{key!r} (column {resolved[key]!r}) must be a "
                                            f"string, found {text!r:.60}")
            responses.append(text)
        metadata = {c: _clean_metadata(record[c]) for c in extra}
        pairs.append(Pair(pair_id, prompt, responses[0], responses[1], labels[position], metadata,
                          weights[position] or 1.0))
    if not pairs:
        raise InputError("no pairs in file", path=table.path)
    return PairSet(pairs, name=name or table.path.stem, label_name=label_name,
                   source=str(table.path), label_format=used_format)


def load_pairs(path: str | Path, *, mapping: Mapping[str, str] | None = None,
               label_column: str | None = None, label_format: str = "auto",
               label_name: str = "label", use_labels: bool = True) -> PairSet:
    """Load pairs from JSONL / JSON / CSV / Parquet.

    Columns ``id, prompt, response_1, response_2`` (or aliases, or ``mapping``); a ``label`` column
    (or ``label_column``) becomes the gold/human preference, its format auto-detected unless named.
    Every other column is kept as metadata (e.g. rating columns ``helpfulness_1``).
    ``use_labels=False`` (commands that use no label: score, judge, compare) reads no label at all.
    """
    return pairs_from_table(read_table(path, text_columns=mapping_values(mapping)), mapping=mapping,
                            label_column=label_column, label_format=label_format,
                            label_name=label_name, use_labels=use_labels)


def mapping_values(mapping: Mapping[str, str] | None) -> tuple[str, ...]:
    """Columns named by ``--map`` for id/prompt/responses: read as text, never as numbers."""
    return tuple(v for k, v in (mapping or {}).items() if k in PAIR_COLUMNS)


_LETTER_ERRORS = {"API-ERROR", "FORMAT-ERROR"}


def _order_verdict(value: Any, swapped: bool) -> int | None:
    """A verdict in one presentation order, in the pair's original orientation.

    Numbers are taken as already oriented (-1/0/+1); letters are the raw answer in that order
    (``A`` = the response shown first), so ``A`` in the swapped order means response_2.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        letter = value.strip().upper()
        if letter in ("A", "B"):
            first = -1 if letter == "A" else 1
            return -first if swapped else first
        if letter in _LETTER_ERRORS or letter == "":
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(value) from None
    if number not in (-1.0, 0.0, 1.0):
        raise InputError(value)
    return int(number)


def load_judgments(path: str | Path, *, pairs: PairSet | None = None,
                   name: str | None = None) -> list[JudgmentSet]:
    """Load a judge file in the layout of RLHFlow's ``collect_llm_preferences.py`` output.

    Columns: ``index`` (the pair id; ``id`` or ``pair_id`` also work), ``preference`` (-1/0/+1),
    optional ``model`` (the judge; default: ``name`` or the file name) and the per-order verdicts
    ``preference_orig_order`` / ``preference_swapped_order``. A file holding several models gives
    one :class:`JudgmentSet` each. With ``pairs``, ids that match no pair are an error. A row with
    an empty ``preference`` and a non-empty ``error`` (``preftree judge`` output: an API error or
    an unparsable answer) is left out rather than read as "no preference".
    """
    table = read_table(path)
    frame = table.frame
    columns = [str(c) for c in frame.columns]
    id_column = next((c for c in ("index", "id", "pair_id") if c in columns), None)
    if id_column is None or "preference" not in columns:
        raise InputError("a judge file needs the columns 'index' (pair id) and 'preference' "
                         "(-1 = response_1 better, 0 = none, +1 = response_2 better); found "
                         f"{', '.join(map(repr, columns))}", path=table.path)
    default_judge = name or table.path.stem
    by_judge: dict[str, list[Judgment]] = {}
    skipped = 0
    records = frame.to_dict("records")
    for position, record in enumerate(records):
        raw_id = record[id_column]
        if raw_id is None or (isinstance(raw_id, float) and math.isnan(raw_id)) or raw_id == "":
            raise table.error(position, f"empty {id_column!r} (the pair id)")
        pair_id = str(raw_id.item() if isinstance(raw_id, np.generic) else raw_id)
        judge = str(record["model"]) if "model" in record and isinstance(record["model"], str) \
            else default_judge
        try:
            preference = _order_verdict(record["preference"], swapped=False)
            orig = _order_verdict(record.get("preference_orig_order"), swapped=False)
            swapped = _order_verdict(record.get("preference_swapped_order"), swapped=True)
        except InputError as exc:
            raise table.error(position, f"verdict {exc.args[0]!r} is not -1, 0, +1 (or 'A'/'B' "
                                        "in the per-order columns)") from None
        if preference is None:
            if str(record.get("error") or "").strip() and str(record.get("error")) != "nan":
                skipped += 1
                continue  # no verdict, and the file says why (API error, unparsable): not a tie
            raise table.error(position, "empty 'preference'")
        extra = {k: _clean_metadata(v) for k, v in record.items() if k not in
                 (id_column, "model", "preference", "preference_orig_order",
                  "preference_swapped_order")}
        by_judge.setdefault(judge, []).append(Judgment(pair_id, judge, preference, orig, swapped,
                                                       extra))
    if not by_judge:
        reason = f" ({skipped} rows have no verdict, see their 'error')" if skipped else ""
        raise InputError(f"no verdicts in file{reason}", path=table.path)
    sets = []
    for judge, judgments in by_judge.items():
        try:
            judgment_set = JudgmentSet(judge, judgments, source=str(table.path))
        except InputError as exc:
            raise InputError(str(exc), path=table.path) from None
        if pairs is not None:
            _check_ids(judgment_set, pairs, table.path)
            judgment_set.checked = _check_fingerprints(judgment_set, pairs, table.path)
        sets.append(judgment_set)
    return sets


def _check_fingerprints(judgments: JudgmentSet, pairs: PairSet, path: Path) -> bool | None:
    """Verdicts made on other texts, or on the pairs in the other orientation, are refused: their
    -1/+1 would be read against the wrong responses. ``None`` when the file carries no hashes."""
    stated = {j.pair_id: j.metadata.get(PAIR_HASH_COLUMN) for j in judgments}
    stated = {k: str(v) for k, v in stated.items() if isinstance(v, str) and v}
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


def _check_ids(judgments: JudgmentSet, pairs: PairSet, path: Path) -> None:
    unknown = [i for i in judgments.ids if i not in pairs]
    if unknown:
        examples = ", ".join(map(repr, unknown[:5]))
        raise InputError(f"{len(unknown)} of {len(judgments)} verdicts of judge "
                         f"{judgments.judge!r} name pair ids that are not in {pairs.source or 'the pairs'} "
                         f"(e.g. {examples}); the judge file's 'index' must be the pair 'id'",
                         path=path)


def load_judges(paths: Iterable[str | Path], *, pairs: PairSet | None = None) -> list[JudgmentSet]:
    """Load judge files and folders of judge files (sorted by name); judge names must be unique."""
    sets: list[JudgmentSet] = []
    for entry in paths:
        entry = Path(entry)
        if entry.is_dir():
            files = sorted(p for p in entry.iterdir()
                           if p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith("."))
            if not files:
                raise InputError(f"no judge files ({', '.join(SUPPORTED_SUFFIXES)}) in folder",
                                 path=entry)
        else:
            files = [entry]
        for file in files:
            sets.extend(load_judgments(file, pairs=pairs))
    names = [s.judge for s in sets]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"judge name(s) {', '.join(map(repr, duplicates))} appear in more than "
                         "one file; give each judge one file or distinct 'model' values")
    return sets
