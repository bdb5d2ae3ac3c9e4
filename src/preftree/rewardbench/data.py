"""RewardBench data: the Hub datasets through ``datasets.load_dataset`` (real loading code), or
local files in the same schemas, validated row by row with errors that name the line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..data.files import read_table
from ..data.model import Pair, PairSet
from ..errors import InputError, MissingDependencyError
from .sections import EXAMPLE_COUNTS, PRIOR_SETS
from .v2 import V2_SUBSETS

__all__ = ["PRIOR_DATASET", "V1_DATASET", "V2_DATASET", "V1Example", "V2Example", "load_v1", "load_v2",
           "v1_pairs"]

V1_DATASET = ("allenai/reward-bench", "filtered")
V2_DATASET = ("allenai/reward-bench-2", "test")
PRIOR_DATASET = "allenai/preference-test-sets"
V1_COLUMNS = ("id", "subset", "prompt", "chosen", "rejected")


@dataclass(frozen=True)
class V1Example:
    """One RewardBench pair: the chosen response should win."""

    id: str
    subset: str
    prompt: Any
    chosen: str
    rejected: str


@dataclass(frozen=True)
class V2Example:
    """One RewardBench 2 prompt: ``num_correct`` chosen answers first, then the rejected ones."""

    id: str
    subset: str
    prompt: Any
    candidates: tuple[str, ...]
    num_correct: int


def v1_pairs(examples: list[V1Example], *, own_ids: bool = True) -> PairSet:
    """RewardBench pairs in preftree's comparison model: the chosen response first (label -1),
    the subset in the metadata. ``own_ids=False`` numbers them instead (a judge that keeps no
    files need not care that a prior-sets file may reuse an id)."""
    return PairSet([Pair(e.id if own_ids else str(i), e.prompt, e.chosen, e.rejected, -1, {"subset": e.subset})
                    for i, e in enumerate(examples)], name="rewardbench", label_name="gold")


def _hub_rows(repo: str, split: str, **kwargs: Any) -> tuple[list[dict], str]:
    try:
        from datasets import load_dataset
    except ImportError as exc:
        raise MissingDependencyError("loading RewardBench from the Hub needs preftree[hf] "
                                     "(datasets); or pass a local file") from exc
    return [dict(r) for r in load_dataset(repo, split=split, **kwargs)], repo


def _rows(source: str | Path | None, default: tuple[str, str]) -> tuple[list[dict], list[int], str]:
    """Rows, the file line (or 1-based row) of each, and the origin name."""
    if source is None or str(source) == default[0]:
        rows, origin = _hub_rows(*default)
        return rows, list(range(1, len(rows) + 1)), origin
    table = read_table(source)
    table.refuse_bad_rows()
    return table.frame.to_dict("records"), table.lines, str(source)


def _text_list(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return [value]
    if hasattr(value, "tolist"):
        value = value.tolist()
    return [str(v) for v in value] if isinstance(value, list) else []


def load_v1(source: str | Path | None = None, *, prior_sets: str | Path | None = None) -> list[V1Example]:
    """``allenai/reward-bench`` (split ``filtered``) or a local file with id, subset, prompt,
    chosen, rejected (chosen_model / rejected_model are kept out). ``prior_sets`` adds
    ``allenai/preference-test-sets`` (or a local file in that schema)."""
    rows, where, origin = _rows(source, V1_DATASET)
    examples = _v1_examples(rows, where, origin, set(EXAMPLE_COUNTS))
    if prior_sets is not None:
        if str(prior_sets) == PRIOR_DATASET:
            prior: list[dict] = []
            for name in PRIOR_SETS:
                part, _ = _hub_rows(PRIOR_DATASET, name)
                prior += [{**r, "subset": name, "id": f"{name}-{i}"} for i, r in enumerate(part)]
            examples += _v1_examples(prior, list(range(1, len(prior) + 1)),
                                     PRIOR_DATASET, set(PRIOR_SETS))
        else:
            table = read_table(prior_sets)
            table.refuse_bad_rows()
            prior = table.frame.to_dict("records")
            examples += _v1_examples(prior, table.lines,
                                     str(prior_sets), set(PRIOR_SETS))
    return examples


def _v1_examples(rows: list[dict], where: list[int], origin: str, known: set[str]) -> list[V1Example]:
    examples = []
    seen: set[str] = set()
    for row, location in zip(rows, where):
        missing = [c for c in V1_COLUMNS if c not in row or row[c] is None]
        if missing:
            raise InputError(f"missing {missing}; RewardBench rows have "
                             f"{', '.join(V1_COLUMNS)}", path=origin, line=location)
        subset, row_id = str(row["subset"]), str(row["id"])
        if subset not in known:
            raise InputError(f"unknown subset {subset!r}; expected one of "
                             f"{sorted(known)}", path=origin, line=location)
        if row_id in seen:
            raise InputError(f"duplicate id {row_id!r}", path=origin, line=location)
        seen.add(row_id)
        examples.append(V1Example(row_id, subset, row["prompt"], str(row["chosen"]), str(row["rejected"])))
    if not examples:
        raise InputError("no RewardBench rows", path=origin)
    return examples


def load_v2(source: str | Path | None = None) -> list[V2Example]:
    """``allenai/reward-bench-2`` (split ``test``) or a local file in its schema: id, subset, prompt,
    chosen (list), rejected (list), num_correct."""
    rows, where, origin = _rows(source, V2_DATASET)
    examples = []
    for row, location in zip(rows, where):
        missing = [c for c in ("id", "subset", "prompt", "chosen", "rejected") if c not in row]
        if missing:
            raise InputError(f"missing {missing}", path=origin, line=location)
        chosen, rejected = _text_list(row["chosen"]), _text_list(row["rejected"])
        subset = str(row["subset"])
        if subset not in V2_SUBSETS:
            raise InputError(f"unknown subset {subset!r}; expected one of {V2_SUBSETS}",
                             path=origin, line=location)
        num_correct = int(row.get("num_correct") or len(chosen))
        if not chosen or not rejected or num_correct != len(chosen):
            raise InputError(f"expected lists of chosen ({num_correct}) and rejected "
                             f"answers, found {len(chosen)} and {len(rejected)}", path=origin, line=location)
        examples.append(V2Example(str(row["id"]), subset, row["prompt"], tuple(chosen + rejected),
                                  num_correct))
    if not examples:
        raise InputError("no RewardBench 2 rows", path=origin)
    return examples
