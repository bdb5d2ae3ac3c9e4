"""Hub presets: real loading code for public preference datasets (needs ``preftree[hf]``).

``helpsteer2-llm-judges`` reproduces the data of RLHFlow's Decision-Tree-Reward blog post:
the pairs of ``nvidia/HelpSteer2`` (``data_dir="preference"``), each response's five human
ratings (0–4) from ``nvidia/HelpSteer2``, the human preference (``preference_strength``) as the
label, and 34 LLM judges' verdicts from ``RLHFlow/LLM-Preferences-HelpSteer2``.

Joins are on text, not on row numbers: ratings by (prompt, response), judge verdicts by
(prompt, response_A, response_B). ``hub_root`` points the same code at local folders laid out
like the Hub repositories (``<hub_root>/nvidia/HelpSteer2/...``), which is how it is tested offline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError, MissingDependencyError
from .labels import parse_label
from .model import Judgment, JudgmentSet, Pair, PairSet

__all__ = ["HELPSTEER2_ATTRIBUTES", "PRESETS", "PRESET_FEATURES", "load_helpsteer2_llm_judges",
           "load_helpsteer2_preferences", "load_helpsteer2_ratings", "load_preset"]

HELPSTEER2_ATTRIBUTES = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
HELPSTEER2 = "nvidia/HelpSteer2"
LLM_PREFERENCES = "RLHFlow/LLM-Preferences-HelpSteer2"
# Fields of LLM-Preferences-HelpSteer2 records that are not a judge's verdict.
_NON_JUDGE_FIELDS = {"dataset", "split", "id", "index", "prompt", "response_A", "response_B",
                     "response_1", "response_2", "preference_strength", "human", "Human"}


def _load_dataset() -> Callable[..., Any]:
    try:
        from datasets import load_dataset
    except ImportError as exc:
        raise MissingDependencyError("Hub presets need the 'datasets' package: "
                                     "pip install 'preftree[hf]'") from exc
    return load_dataset


def _repo(repo_id: str, hub_root: str | Path | None) -> str:
    return repo_id if hub_root is None else str(Path(hub_root) / repo_id)


def _prompt_key(prompt: str) -> str:
    return prompt.strip()


def _rating_rows(load_dataset: Callable[..., Any], hub_root: str | Path | None,
                 revision: str | None, parts: Sequence[str]) -> Any:
    for part in parts:
        for row in load_dataset(_repo(HELPSTEER2, hub_root), split=part, revision=revision):
            yield {**row, "split": part}


def _preference_rows(load_dataset: Callable[..., Any], hub_root: str | Path | None,
                     revision: str | None) -> Any:
    return load_dataset(_repo(HELPSTEER2, hub_root), data_dir="preference", split="train",
                        revision=revision)


def _parts(split: str) -> tuple[str, ...]:
    if split not in ("train", "validation", "all"):
        raise InputError(f"split must be 'train', 'validation' or 'all', got {split!r}")
    return ("train", "validation") if split == "all" else (split,)


def load_helpsteer2_ratings(*, split: str = "all", hub_root: str | Path | None = None,
                            revision: str | None = None) -> Any:
    """HelpSteer2's rated responses: a DataFrame of prompt, response, the five ratings and split."""
    import pandas as pd

    rows = _rating_rows(_load_dataset(), hub_root, revision, _parts(split))
    columns = ["prompt", "response", *HELPSTEER2_ATTRIBUTES, "split"]
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)


def load_helpsteer2_preferences(*, split: str = "all", hub_root: str | Path | None = None,
                                revision: str | None = None) -> PairSet:
    """HelpSteer2-Preference pairs with the human label (``preference_strength``) and their split
    (``metadata["split"]``); ids ``<split>-<row>`` as in :func:`load_helpsteer2_llm_judges`."""
    _parts(split)
    wanted = {"train": {"train"}, "validation": {"val", "validation"}, "all": None}[split]
    pairs: list[Pair] = []
    counters: dict[str, int] = {}
    for row in _preference_rows(_load_dataset(), hub_root, revision):
        part = row["split"]
        position = counters.get(part, 0)
        counters[part] = position + 1
        if wanted is None or part in wanted:
            pairs.append(Pair(f"{part}-{position}", row["prompt"], row["response_1"], row["response_2"],
                              parse_label(row["preference_strength"], "strength"),
                              {"split": "validation" if part == "val" else part,
                               "preference_strength": row["preference_strength"]}))
    return _with_strength_reading(PairSet(pairs, name=f"helpsteer2-preference-{split}",
                                          label_name="human",
                                          source=f"{HELPSTEER2} (preference, {split})"))


def _with_strength_reading(pairs: PairSet) -> PairSet:
    """HelpSteer2-Preference's label is its published ``preference_strength`` (-3..3, negative =
    response_1 better): recorded and shown like a file's label reading."""
    from .label_column import LabelReading

    pairs.label_format = "strength"
    reading = LabelReading("preference_strength", "strength",
                           "the published coding of HelpSteer2-Preference")
    reading.meanings = {"-3..-1": "response_1", "0": "tie", "1..3": "response_2"}
    words = {-1: "response_1", 0: "tie", 1: "response_2"}
    for pair in pairs:
        if pair.label is not None and words[pair.label] not in reading.examples:
            raw = pair.metadata.get("preference_strength", pair.label)
            reading.examples[words[pair.label]] = (pair.id, str(raw))
    pairs.label_reading = reading
    return pairs


def load_helpsteer2_llm_judges(*, split: str = "validation", judges: Sequence[str] | None = None,
                               hub_root: str | Path | None = None,
                               revision: str | None = None) -> tuple[PairSet, list[JudgmentSet]]:
    """HelpSteer2-Preference pairs with rating columns, the human label and the LLM judges.

    ``split`` is ``"train"``, ``"validation"`` or ``"all"``. Pairs whose responses have no ratings are
    dropped and counted in the returned ``PairSet.source``. Pair ids are
    ``<split>-<row>`` within the preference split, as in RLHFlow's collection script.
    """
    _parts(split)
    load_dataset = _load_dataset()
    ratings: dict[tuple[str, str], dict[str, float]] = {}
    for row in _rating_rows(load_dataset, hub_root, revision, ("train", "validation")):
        ratings[(_prompt_key(row["prompt"]), row["response"])] = {
            a: float(row[a]) for a in HELPSTEER2_ATTRIBUTES}
    preference_rows = _preference_rows(load_dataset, hub_root, revision)
    wanted = {"train": {"train"}, "validation": {"val", "validation"}, "all": None}[split]
    pairs: list[Pair] = []
    counters: dict[str, int] = {}
    dropped = 0
    for row in preference_rows:
        part = row["split"]
        position = counters.get(part, 0)
        counters[part] = position + 1
        if wanted is not None and part not in wanted:
            continue
        prompt = row["prompt"]
        first = ratings.get((_prompt_key(prompt), row["response_1"]))
        second = ratings.get((_prompt_key(prompt), row["response_2"]))
        if first is None or second is None:
            dropped += 1
            continue
        metadata: dict[str, Any] = {f"{a}_1": first[a] for a in HELPSTEER2_ATTRIBUTES}
        metadata.update({f"{a}_2": second[a] for a in HELPSTEER2_ATTRIBUTES})
        metadata["preference_strength"] = row["preference_strength"]
        pairs.append(Pair(f"{part}-{position}", prompt, row["response_1"], row["response_2"],
                          parse_label(row["preference_strength"], "strength"), metadata))
    if not pairs:
        raise InputError(f"no rated pairs in split {split!r} of {HELPSTEER2}")
    pair_set = _with_strength_reading(PairSet(
        pairs, name=f"helpsteer2-{split}", label_name="human",
        source=f"{HELPSTEER2} (preference, {split}; {dropped} unrated pairs dropped)"))
    return pair_set, _llm_judges(pair_set, load_dataset, hub_root, revision, judges)


def _llm_judges(pairs: PairSet, load_dataset: Callable[..., Any], hub_root: str | Path | None,
                revision: str | None, selected: Sequence[str] | None) -> list[JudgmentSet]:
    by_text = {(_prompt_key(p.prompt_text()), p.response_1, p.response_2): p.id for p in pairs}
    verdicts: dict[str, list[Judgment]] = {}
    dataset = load_dataset(_repo(LLM_PREFERENCES, hub_root), revision=revision)
    for part in dataset:
        for row in dataset[part]:
            key = (_prompt_key(row["prompt"]), row["response_A"], row["response_B"])
            pair_id = by_text.get(key)
            if pair_id is None:
                continue
            for judge, value in row.items():
                if judge in _NON_JUDGE_FIELDS or value is None:
                    continue
                if selected is not None and judge not in selected:
                    continue
                verdicts.setdefault(judge, []).append(
                    Judgment(pair_id, judge, parse_label(value, "signed") or 0))
    if selected is not None:
        missing = [j for j in selected if j not in verdicts]
        if missing:
            raise InputError(f"judge(s) {missing} not in {LLM_PREFERENCES}; available: "
                             f"{sorted(verdicts)}")
    return [JudgmentSet(name, items, source=LLM_PREFERENCES) for name, items in sorted(verdicts.items())]


PRESETS: dict[str, Callable[..., tuple[PairSet, list[JudgmentSet]]]] = {
    "helpsteer2-llm-judges": load_helpsteer2_llm_judges,
}
"""Named presets for ``preftree explain --preset``; each returns (pairs, judges)."""

PRESET_FEATURES = {"helpsteer2-llm-judges": [f"columns:{','.join(HELPSTEER2_ATTRIBUTES)}"]}


def load_preset(name: str, **options: Any) -> tuple[PairSet, list[JudgmentSet]]:
    """Load a named preset; an unknown name lists the available ones."""
    if name not in PRESETS:
        raise InputError(f"unknown preset {name!r}; available: {', '.join(sorted(PRESETS))}")
    return PRESETS[name](**options)
