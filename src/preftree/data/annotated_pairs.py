"""AnnotatedPairs, the JSON format of Feedback Forensics and Inverse Constitutional AI (ICAI),
read and written as they define it (versions 1.0 and 2.0).

A file holds ``annotators`` (id → name, description, type) and ``comparisons`` (id, prompt, the
two responses — v1: ``text_a``/``text_b``; v2: ``response_a``/``response_b`` objects with ``text``
and ``model`` — and ``annotations``: annotator id → ``{"pref": "a" | "b" | "text_a" | "text_b" |
null, "no_pref_reason": ...}``). Read into preftree's model:

- response a is ``response_1``, b is ``response_2``;
- the ``default_annotator`` is the pairs' label (a → response_1 better);
- every other annotator of a type other than ``principle`` (``human``, ``unknown``, a model) is a
  judge;
- ``principle`` annotators are traits: +1 where the principle selects b, −1 where it selects a, 0
  where it selects neither. A trait is relative to a and b, never to the label.

Ids as ICAI makes them: an annotator's is the first 8 hex digits of the MD5 of its description
(``column_<name>`` for a column); a comparison's of ``prompt|response_a|response_b`` (JSON).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from .model import Judgment, JudgmentSet, Pair, PairSet

__all__ = ["AnnotatedPairs", "annotator_id", "is_annotated_pairs", "read_annotated_pairs",
           "to_annotated_pairs"]

FORMAT_VERSION = "2.0"
KNOWN_MAJOR_VERSIONS = ("1", "2")
_PREFS = {"a": -1, "b": 1, "text_a": -1, "text_b": 1}
DEFAULT_DESCRIPTION = "Default annotator from original dataset (from column `preferred_text`)"


def annotator_id(text: str) -> str:
    """An annotator's id as ICAI makes it (8 hex digits of the MD5 of its description).

    >>> annotator_id("Select the response that is more concise")
    'bf731c7f'
    """
    return hashlib.md5(text.encode("utf-8")).hexdigest()[:8]  # an id as the format defines it, not security


def _comparison_id(prompt: Any, response_a: dict[str, Any], response_b: dict[str, Any]) -> str:
    combined = f"{json.dumps(response_a, sort_keys=True)}|{json.dumps(response_b, sort_keys=True)}"
    return annotator_id(combined if prompt is None else f"{prompt}|{combined}")


@dataclass
class AnnotatedPairs:
    """A file's pairs (label: the default annotator), its judges, its traits (one column per
    principle, by slug) with their descriptions, and what was skipped and why."""

    pairs: PairSet
    judges: list[JudgmentSet]
    traits: pd.DataFrame  # index: pair id; columns: trait slugs; values +1 / -1 / 0
    trait_descriptions: dict[str, str]
    version: str
    skipped: Counter[str] = field(default_factory=Counter)


def is_annotated_pairs(data: Any) -> bool:
    """Whether decoded JSON is an AnnotatedPairs file."""
    return isinstance(data, dict) and isinstance(data.get("comparisons"), list) \
        and isinstance(data.get("annotators"), dict)


def _pref(annotation: Any) -> tuple[int | None, str | None]:
    """(−1 / +1 / 0 for none, None when unreadable) and why it is skipped."""
    if not isinstance(annotation, dict) or "pref" not in annotation:
        return None, "an annotation without 'pref'"
    value = annotation["pref"]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0, None
    if isinstance(value, str) and value.lower() in _PREFS:
        return _PREFS[value.lower()], None
    if isinstance(value, str) and value.lower() in ("tie", "both", "neither", "equal"):
        return 0, None
    return None, f"pref {str(value)[:30]!r} is not a, b, text_a, text_b or null"


def _texts(comparison: dict[str, Any], v2: bool) -> tuple[Any, Any, dict[str, Any]]:
    if v2:
        a, b = comparison.get("response_a"), comparison.get("response_b")
        if not isinstance(a, dict) or not isinstance(b, dict):
            raise InputError("version 2 comparisons hold response_a and response_b objects")
        meta = {f"model_{side}": r["model"] for side, r in (("a", a), ("b", b)) if r.get("model") is not None}
        return a.get("text"), b.get("text"), meta
    return comparison.get("text_a"), comparison.get("text_b"), {}


def read_annotated_pairs(path: str | Path) -> AnnotatedPairs:
    """An AnnotatedPairs file (1.x or 2.x) as pairs, judges and traits; an unknown major version,
    duplicate comparison ids or annotators the file does not declare are errors naming the file."""
    from .files import _read_input, table_suffix
    from .jsonl import _decode
    from .slugs import unique_slugs

    path = Path(path)
    try:
        data = json.loads(_decode(_read_input(path, table_suffix(path)[1]), path))
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not valid JSON ({str(exc)[:200]})", path=path) from None
    if not is_annotated_pairs(data):
        raise InputError("expected a JSON list of objects (a table of pairs; or use .jsonl), and this JSON object is "
                         "not an AnnotatedPairs file either (no 'annotators' and 'comparisons')", path=path)
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    version = str(metadata.get("version", "1.0"))
    if version.split(".")[0] not in KNOWN_MAJOR_VERSIONS:
        raise InputError(f"AnnotatedPairs version {version[:20]!r}: preftree reads versions 1.x and 2.x", path=path)
    odd = [str(k) for k, v in data["annotators"].items() if not isinstance(v, dict)]
    if odd:
        raise InputError(f"annotator {odd[0][:20]!r} is not an object (name, description, type)", path=path)
    annotators = {str(k): v for k, v in data["annotators"].items()}
    default = metadata.get("default_annotator")
    if default is not None and not isinstance(default, str):
        raise InputError("metadata.default_annotator must be an annotator id (a text)", path=path)
    if default is not None and default not in annotators:
        raise InputError(f"the default annotator {str(default)[:20]!r} is not among the file's annotators", path=path)
    principles = [a for a, info in annotators.items() if info.get("type") == "principle" and a != default]
    judges = [a for a in annotators if a not in principles and a != default]
    from .slugs import MAX_TRAITS

    if len(principles) > MAX_TRAITS:
        raise InputError(f"{len(principles)} principles: preftree reads at most {MAX_TRAITS} traits (each is a "
                         "feature of every tree)", path=path)
    slugs = unique_slugs([str(annotators[a].get("name") or annotators[a].get("description") or a)
                          for a in principles])
    v2 = version.startswith("2")
    pairs: list[Pair] = []
    votes: dict[str, list[Judgment]] = {a: [] for a in judges}
    trait_rows: dict[str, dict[str, float]] = {}
    skipped: Counter[str] = Counter()
    seen: set[str] = set()
    for position, comparison in enumerate(data["comparisons"], start=1):
        if not isinstance(comparison, dict):
            raise InputError(f"comparison {position} is not an object", path=path)
        text_a, text_b, models = _texts(comparison, v2)
        if not isinstance(text_a, str) or not isinstance(text_b, str) or not text_a or not text_b:
            skipped["a comparison with an empty or missing response"] += 1  # Feedback Forensics drops these too
            continue
        pair_id = str(comparison.get("id") or _comparison_id(comparison.get("prompt"), {"text": text_a}, {"text": text_b}))
        if pair_id in seen:
            raise InputError(f"comparison id {pair_id[:40]!r} appears twice (comparison {position}); ids must be "
                             "unique", path=path)
        seen.add(pair_id)
        found = comparison.get("annotations")
        annotations: dict[str, Any] = found if isinstance(found, dict) else {}
        undeclared = sorted(str(a) for a in annotations if a not in annotators)
        if undeclared:
            raise InputError(f"comparison {pair_id[:40]!r} is annotated by {undeclared[0][:20]!r}, which the file's "
                             "'annotators' does not declare", path=path)
        label = None
        if default is not None and default in annotations:
            value, why = _pref(annotations[default])
            label = value if why is None else None
            if why is not None:
                skipped[f"label: {why}"] += 1
        for judge in judges:
            if judge in annotations:
                value, why = _pref(annotations[judge])
                if why is not None:
                    skipped[f"judge: {why}"] += 1
                elif value is not None:
                    votes[judge].append(Judgment(pair_id, _judge_name(annotators[judge], judge), value))
        row: dict[str, float] = {}
        for principle, column in zip(principles, slugs):
            value, why = _pref(annotations.get(principle, {"pref": None}))
            if why is not None:
                skipped[f"trait: {why}"] += 1
            row[column] = math.nan if value is None else float(value)
        trait_rows[pair_id] = row
        extra = comparison.get("metadata")
        meta = {**(extra if isinstance(extra, dict) else {}), **models}
        prompt = comparison.get("prompt")
        pairs.append(Pair(pair_id, prompt if isinstance(prompt, str) else "", text_a, text_b, label, meta))
    if not pairs:
        raise InputError("no comparison could be read", path=path)
    name = str(annotators.get(default, {}).get("name") or "label") if default else "label"
    pair_set = PairSet(pairs, name=path.stem, label_name=name, source=str(path), label_format="annotated-pairs",
                       pairs_format="annotated-pairs")
    names = [_judge_name(annotators[j], j) for j in judges]
    label_name = str(annotators.get(default, {}).get("name") or "label") if default else "label"
    unique = [f"{n} ({j})" if names.count(n) > 1 or n == label_name else n for n, j in zip(names, judges)]
    judge_sets = [JudgmentSet(name, [replace(v, judge=name) for v in votes[j]], source=str(path))
                  for name, j in zip(unique, judges) if votes[j]]
    traits = pd.DataFrame.from_dict(trait_rows, orient="index", columns=slugs)
    descriptions = {column: str(annotators[p].get("description") or p) for p, column in zip(principles, slugs)}
    return AnnotatedPairs(pair_set, judge_sets, traits, descriptions, version, skipped)


def _judge_name(info: dict[str, Any], fallback: str) -> str:
    return str(info.get("name") or info.get("description") or fallback)[:80]


def to_annotated_pairs(pairs: PairSet, traits: pd.DataFrame | None = None,
                       trait_descriptions: dict[str, str] | None = None,
                       judges: Sequence[JudgmentSet] = (), *, dataset_name: str = "preftree") -> dict[str, Any]:
    """Version 2.0 as Feedback Forensics opens it: the label as the default annotator (when the
    pairs have one), judges as ``unknown`` annotators, traits as ``principle`` annotators whose
    description is the trait's, responses with their models (``model_a``/``model_b`` or
    ``generator_1``/``generator_2`` metadata)."""
    annotators: dict[str, dict[str, Any]] = {}
    descriptions = trait_descriptions or {}
    trait_ids = {}
    for column in ([] if traits is None else list(traits.columns)):
        text = f"Select the response that {descriptions.get(column, column)}"
        identifier = annotator_id(text)
        if identifier in annotators:  # two traits asking the same question: the id names the column too
            identifier = annotator_id(f"{text} ({column})")
        trait_ids[column] = identifier
        annotators[identifier] = {"name": column, "description": text, "type": "principle"}
    judge_ids = {}
    for judge in judges:
        judge_ids[judge.judge] = annotator_id(f"column_{judge.judge}")
        annotators[judge_ids[judge.judge]] = {"name": judge.judge, "description": f"Judge {judge.judge}",
                                              "type": "unknown"}
    default = annotator_id(DEFAULT_DESCRIPTION) if pairs.has_labels else None
    if default is not None:
        annotators[default] = {"name": pairs.label_name, "description": DEFAULT_DESCRIPTION, "type": "human"}
    comparisons = []
    for pair in pairs:
        annotations: dict[str, dict[str, Any]] = {}
        if default is not None and pair.label is not None:
            annotations[default] = _annotation(pair.label)
        for judge in judges:
            if pair.id in judge:
                annotations[judge_ids[judge.judge]] = _annotation(judge[pair.id].preference)
        if traits is not None and pair.id in traits.index:
            for column, value in traits.loc[pair.id].items():
                annotations[trait_ids[str(column)]] = _annotation(None if pd.isna(value) else int(value),
                                                                  invalid=pd.isna(value))
        meta = dict(pair.metadata)
        response_a: dict[str, Any] = {"text": pair.response_1}
        response_b: dict[str, Any] = {"text": pair.response_2}
        for response, keys in ((response_a, ("model_a", "generator_1")), (response_b, ("model_b", "generator_2"))):
            model = next((meta[k] for k in keys if isinstance(meta.get(k), str)), None)
            if model is not None:
                response["model"] = model
        kept = {k: v for k, v in meta.items() if isinstance(v, (str, int, bool))
                or (isinstance(v, float) and math.isfinite(v))}  # JSON has no NaN; traits are annotators
        comparisons.append({"id": pair.id, "prompt": pair.prompt_text(), "response_a": response_a,
                            "response_b": response_b, "annotations": annotations,
                            "metadata": {k: v for k, v in kept.items() if not k.startswith("trait:")}})
    return {"metadata": {"version": FORMAT_VERSION, "description": "AnnotatedPairs written by preftree",
                         "created_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "dataset_name": dataset_name, **({"default_annotator": default} if default else {})},
            "annotators": annotators, "comparisons": comparisons}


def _annotation(value: int | None, *, invalid: bool = False) -> dict[str, Any]:
    if value is None or value == 0:
        return {"pref": None, "no_pref_reason": "invalid" if invalid else "not_applicable"}
    return {"pref": "a" if value < 0 else "b"}
