"""Comparisons between models, from the files people have: AlpacaEval annotations, Arena and
MT-Bench battles. One row per comparison: ``model_a`` against ``model_b``, ``outcome`` = P(a
beats b) in [0, 1] (soft preferences kept as such), the instruction, both texts when known, and
where it came from (``source``, ``row``, the pair ``id`` and its ``metadata``).

Layouts (detected from the content, or named with ``fmt``):

- ``alpacaeval``: ``annotations.json`` (a JSON list) per model, with ``instruction``,
  ``output_1``/``generator_1`` (the baseline), ``output_2``/``generator_2`` (the model), the
  ``annotator`` and ``preference`` in [1, 2] (1 = output_1 better, 2 = output_2 better, 1.5 a tie;
  the weighted annotator's values in between are probabilities). ``a`` is the model, ``b`` the
  baseline. ``preference`` 0 is a draw too: AlpacaEval's own scoring code says so ("0 or 1.5 for
  draw", ``metrics/winrate.py``), for its older annotators. Win rates are one judge's: files of
  several annotators are refused (tatsu-lab's ``results/<model>/`` holds one folder per annotator).
- ``arena``: read by the pairs layer's native ``arena`` and ``mt-bench`` layouts
  (:mod:`preftree.data.formats`, with the published winner codings of every release:
  ``model_a``, ``model_b``, ``tie``, ``tie (bothbad)``, ``both_bad``, ``tie (inconsistent)``, or
  the 55k release's ``winner_model_a/b/tie``); ``a`` is ``model_a`` (response_1).

A row that cannot be read (a null preference, an unknown winner, no model name) is skipped and
listed. An AlpacaEval annotation read twice (the same annotator, model, baseline and instruction:
the published results hold a folder nested in itself, ``results/vicuna-13b-v1.5/
weighted_alpaca_eval_gpt4_turbo/weighted_alpaca_eval_gpt4_turbo/``) is kept once and the copy
reported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..data.formats import PAIRS_FORMATS
from ..data.model import PairSet
from ..errors import InputError

__all__ = ["COLUMNS", "Comparisons", "comparisons_from_pairs", "model_name", "read_comparisons"]

ALPACAEVAL = PAIRS_FORMATS["alpacaeval"]
"""AlpacaEval annotations' one reader: the pairs layer's layout (columns) and labels (coding)."""

COLUMNS = ["model_a", "model_b", "outcome", "instruction", "text_a", "text_b", "source", "row", "id", "metadata"]


@dataclass
class Comparisons:
    """The comparisons read, the layout of each file, and the rows skipped (file, row, why)."""

    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    skipped: list[tuple[str, int, str]] = field(default_factory=list)
    declared_baselines: set[str] = field(default_factory=set)  # AlpacaEval's generator_1 values
    judge: str | None = None  # the annotator / judge whose verdicts these are, when the files say
    notes: list[str] = field(default_factory=list)


def model_name(value: Any) -> str | None:
    """A model's name: a non-empty string or an integer (as text); anything else is no name."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def _files(paths: Sequence[str | Path]) -> list[Path]:
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file()
                            and p.suffix.lower() in (".json", ".jsonl", ".csv", ".parquet")
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        elif path.is_file():
            found.append(path)
        elif path.exists():
            from .._inputs import NOT_REGULAR

            raise InputError(NOT_REGULAR, path=path)
        else:
            raise InputError("not found", path=path)
    if not found:
        raise InputError(f"no annotation or battle files in {', '.join(map(str, paths))}")
    return found


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _read_json(path: Path) -> Any:
    from .._inputs import read_input_text

    text = read_input_text(path, what="JSON file (--max-input-bytes)")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not JSON ({str(exc)[:200]})", path=path) from None


def _preference(record: dict[str, Any]) -> tuple[float | None, str]:
    """P(output_2 better) in AlpacaEval's published coding (:mod:`preftree.data.labels`)."""
    from ..data.labels import label_probability

    preference = record.get("preference")
    why = f"preference {preference!r} is not a number in [1, 2]"
    if isinstance(preference, bool) or not isinstance(preference, (int, float)):
        return None, why
    try:
        return label_probability(preference, "alpacaeval"), ""
    except InputError:
        return None, why


def _alpacaeval(records: list[Any], path: Path, skipped: list[tuple[str, int, str]],
                seen: dict[tuple[str, ...], tuple[str, tuple[Any, ...]]],
                annotators: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for i, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            skipped.append((str(path), i, "not an object"))
            continue
        preference, why = _preference(record)
        model, baseline = model_name(record.get("generator_2")), model_name(record.get("generator_1"))
        if preference is None:
            skipped.append((str(path), i, why))
            continue
        if model is None or baseline is None:
            skipped.append((str(path), i, "generator_1 / generator_2 is not a model name"))
            continue
        if not isinstance(record.get("instruction"), str):
            skipped.append((str(path), i, "no instruction (a string)"))
            continue
        try:  # the layout's one reader (preftree.data.formats): instruction, outputs, generators
            made = ALPACAEVAL.convert(record, i - 1, 0)
            pair = made if isinstance(made, dict) else made[0]  # one pair per annotation
        except (KeyError, TypeError, ValueError, InputError) as exc:
            skipped.append((str(path), i, f"not an AlpacaEval annotation ({type(exc).__name__}: {exc})"))
            continue
        instruction = pair["prompt"]
        annotator = str(record.get("annotator"))
        annotators.setdefault(annotator, f"{path} row {i}")
        key = (annotator, model, baseline, instruction)
        content = (preference, str(pair["response_1"]), str(pair["response_2"]))
        if key in seen:
            where, first = seen[key]
            if first != content:
                raise InputError(f"row {i} annotates the same instruction of {model!r} against {baseline!r} "
                                 f"as {where}, with other outputs or another preference; which is right "
                                 "is not for preftree to guess: give one of the two files", path=path)
            skipped.append((str(path), i, f"the same annotation as {where} (a copy)"))
            continue
        seen[key] = (f"{path} row {i}", content)
        rows.append({"annotator": annotator, "model_a": model, "model_b": baseline, "outcome": preference,
                     "instruction": instruction, "text_a": _text(pair["response_2"]),
                     "text_b": _text(pair["response_1"]), "source": str(path), "row": i,
                     "id": f"{model}:{i}", "metadata": {}})
    return rows


def comparisons_from_pairs(pairs: PairSet, outcomes: dict[str, float], first: str, second: str,
                           source: str) -> tuple[list[dict[str, Any]], list[tuple[str, int, str]]]:
    """One comparison per pair with an outcome: ``pair.metadata[first]`` (response_1's model)
    against ``pair.metadata[second]``; pairs without model names are skipped and listed."""
    rows, skipped = [], []
    for position, pair in enumerate(pairs, start=1):
        model_a, model_b = model_name(pair.metadata.get(first)), model_name(pair.metadata.get(second))
        if model_a is None or model_b is None:
            skipped.append((source, position, f"pair {pair.id!r} names no model in {first!r} / {second!r}"))
            continue
        if pair.id not in outcomes:
            skipped.append((source, position, f"pair {pair.id!r} has no verdict"))
            continue
        rows.append({"model_a": model_a, "model_b": model_b, "outcome": outcomes[pair.id],
                     "instruction": pair.prompt_text(), "text_a": pair.response_1, "text_b": pair.response_2,
                     "source": source, "row": position, "id": pair.id, "metadata": dict(pair.metadata)})
    return rows, skipped


NOT_COMPARISONS = ("neither AlpacaEval annotations (generator_1, generator_2, preference) nor Arena / "
                   "MT-Bench battles (model_a, model_b, winner or winner_model_a/b/tie)")


def _battles(path: Path, skipped: list[tuple[str, int, str]], judge: str | None,
             judges: dict[str, int], fmt: str = "auto") -> tuple[list[dict[str, Any]], str]:
    """Arena / MT-Bench battles through the pairs layer's native layouts. A file both layouts
    fit (conversation_a/b, model_a/b, winner, question_id) is read as MT-Bench: the winner
    codings are the same, and its pair ids keep each judge's and turn's battles apart.
    ``fmt="arena"`` reads the file as Arena battles whatever detection says."""
    from ..data.files import read_table
    from ..data.formats import PAIRS_FORMATS
    from ..data.loaders import pairs_in_layout

    table = read_table(path)
    present = {str(c) for c in table.frame.columns}
    first = table.frame.iloc[0].to_dict() if len(table.frame) else {}
    fits = ["arena"] if fmt == "arena" else \
        [name for name in ("mt-bench", "arena") if PAIRS_FORMATS[name].detect(present, first)]
    if not fits:
        raise InputError(f"{NOT_COMPARISONS}; found columns {sorted(present)}", path=path)
    pairs = pairs_in_layout(table, fits[0], use_labels=True)  # the table read once
    skipped += [(str(path), row.line, row.reason) for row in pairs.skipped]
    for pair in pairs:
        name = model_name(pair.metadata.get("judge"))
        if name is not None:
            judges[name] = judges.get(name, 0) + 1
    outcomes = {p.id: (1 - p.label) / 2 for p in pairs if p.label is not None
                and (judge is None or model_name(p.metadata.get("judge")) == judge)}
    rows, missing = comparisons_from_pairs(pairs, outcomes, "model_a", "model_b", str(path))
    skipped += missing
    return rows, pairs.pairs_format


def read_comparisons(paths: Sequence[str | Path], fmt: str = "auto", *, judge: str | None = None) -> Comparisons:
    """Every comparison in ``paths`` (files or folders), each file's layout detected or ``fmt``;
    ``judge`` keeps only that annotator's (AlpacaEval) or judge column's (battles) verdicts."""
    skipped: list[tuple[str, int, str]] = []
    rows: list[dict[str, Any]] = []
    formats: dict[str, str] = {}
    seen: dict[tuple[str, ...], tuple[str, tuple[Any, ...]]] = {}
    annotators: dict[str, str] = {}
    judges: dict[str, int] = {}
    for path in _files(paths):
        if fmt == "alpacaeval" and path.suffix.lower() != ".json":
            raise InputError("AlpacaEval annotations are a .json file (a JSON list)", path=path)
        if path.suffix.lower() == ".json" and fmt in ("auto", "alpacaeval"):
            records = _read_json(path)
            if isinstance(records, list) and records and isinstance(records[0], dict) \
                    and ALPACAEVAL.detect(set(records[0]), records[0]) and "generator_2" in records[0]:
                formats[str(path)] = "alpacaeval"
                found = _alpacaeval(records, path, skipped, seen, annotators)
                rows += [r for r in found if judge is None or r.pop("annotator") == judge]
                continue
            if fmt == "alpacaeval":
                raise InputError("not AlpacaEval annotations (a JSON list with generator_1, "
                                 "generator_2, preference)", path=path)
        found, layout = _battles(path, skipped, judge, judges, fmt)
        formats[str(path)] = layout
        rows += found
    kinds = {"alpacaeval" if f == "alpacaeval" else "battles" for f in formats.values()}
    if len(kinds) > 1:
        raise InputError("win rates are one judge's: these inputs mix AlpacaEval annotations with battles "
                         f"({', '.join(sorted(formats)[:4])}); rate each apart")
    if judge is None and len(annotators) > 1:
        shown = "; ".join(f"{name!r} (first at {where})" for name, where in annotators.items())
        raise InputError(f"win rates are one judge's: these files hold {len(annotators)} annotators ({shown}); "
                         "give one annotator's files (e.g. results/*/weighted_alpaca_eval_gpt4_turbo/) or --only-judge NAME")
    for row in rows:
        row.pop("annotator", None)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    declared = {str(b) for b in frame.loc[frame["source"].isin(
        [s for s, f in formats.items() if f == "alpacaeval"]), "model_b"]}
    notes = []
    if judge is None and len(judges) > 1:
        shown = ", ".join(f"{name} ({n})" for name, n in sorted(judges.items(), key=lambda x: -x[1])[:5])
        notes.append(f"the battles' judge column holds {len(judges)} judges ({shown}{', ...' if len(judges) > 5 else ''}), "
                     "pooled (Arena's crowd votes are meant to be; give --only-judge NAME to rate one judge)")
    named = judge or (next(iter(annotators)) if len(annotators) == 1 else
                      next(iter(judges)) if len(judges) == 1 else None)
    return Comparisons(frame, formats, skipped, declared, named, notes)
