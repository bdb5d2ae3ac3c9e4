"""The one data model every command shares: pairs of responses and judges' verdicts on them.

Preference convention (RLHFlow's collection script): ``-1`` = response_1 better, ``+1`` = response_2
better, ``0`` = no clear preference (a tie, or a verdict that flipped when the order was swapped).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["Judgment", "JudgmentSet", "Message", "Pair", "PairSet", "Prompt", "SkippedRow"]

Message = Mapping[str, str]
"""A chat message ``{"role": ..., "content": ...}``."""

Prompt = str | Sequence[Message]
"""A single-turn prompt string, or a multi-turn conversation (the last turn is the user's)."""


@dataclass(frozen=True)
class Pair:
    """Two responses to one prompt, with an optional gold/human ``label`` in {-1, 0, +1}."""

    id: str
    prompt: Prompt
    response_1: str
    response_2: str
    label: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    label_weight: float = 1.0  # below 1 for a soft label: how far it leans (|2p - 1|)

    def swapped(self) -> Pair:
        """The same pair with the responses in the other order (and the label flipped)."""
        label = None if self.label is None else -self.label
        return Pair(self.id, self.prompt, self.response_2, self.response_1, label, self.metadata,
                    self.label_weight)

    def fingerprint(self) -> str:
        """A short hash of the prompt and both responses in this presentation order: written into
        the judge files preftree makes, so verdicts cannot be joined to other texts or to the
        swapped orientation without notice.

        >>> p = Pair("1", "q", "a", "b")
        >>> p.fingerprint() == p.swapped().fingerprint(), len(p.fingerprint())
        (False, 16)
        """
        text = json.dumps([self.prompt, self.response_1, self.response_2], ensure_ascii=False,
                          sort_keys=True, default=list)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def prompt_text(self) -> str:
        """The prompt flattened to text: multi-turn conversations as ``role: content`` lines."""
        if isinstance(self.prompt, str):
            return self.prompt
        return "\n".join(f"{m['role']}: {m['content']}" for m in self.prompt)


@dataclass(frozen=True)
class Judgment:
    """One judge's verdict on one pair, with the verdicts of both presentation orders when known.

    ``preference_orig_order`` and ``preference_swapped_order`` are both expressed in the pair's
    original orientation (-1 = response_1 better), so a position-consistent judge has them equal.
    """

    pair_id: str
    judge: str
    preference: int
    preference_orig_order: int | None = None
    preference_swapped_order: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    weight: float = 1.0  # below 1 for a soft verdict

    @property
    def has_both_orders(self) -> bool:
        return self.preference_orig_order is not None and self.preference_swapped_order is not None



@dataclass(frozen=True)
class SkippedRow:
    """A row of the input that could not form a pair: where it is, its id if it had one, why."""

    line: int
    reason: str
    pair_id: str | None = None
    word: str = "line"

    def where(self) -> str:
        return f"{self.word} {self.line}" + (f" (id {self.pair_id!r})" if self.pair_id else "")

    def to_dict(self) -> dict[str, Any]:
        return {self.word: self.line, "id": self.pair_id, "reason": self.reason}

class PairSet:
    """An ordered collection of pairs with unique ids; the input of every pipeline stage."""

    def __init__(
        self,
        pairs: Iterable[Pair],
        *,
        name: str = "pairs",
        label_name: str = "label",
        source: str | None = None,
        label_format: str | None = None,
        pairs_format: str = "preftree",
    ) -> None:
        self._pairs: list[Pair] = list(pairs)
        self._index: dict[str, int] = {}
        for position, pair in enumerate(self._pairs):
            if pair.id in self._index:
                raise InputError(f"duplicate pair id {pair.id!r}")
            self._index[pair.id] = position
        self.name = name
        self.label_name = label_name
        self.source = source
        self.label_format = label_format  # the format the label column was read in
        self.pairs_format = pairs_format  # the native layout the file was read from
        self.label_reading: Any = None  # label_column.LabelReading: how the label column was read
        self.skipped: list[SkippedRow] = []  # rows that could not form a pair, and why
        self.judges: list[JudgmentSet] = []  # judges the file itself carries (AnnotatedPairs annotators)
        self.trait_descriptions: dict[str, str] = {}  # what each trait:<name> metadata column means
        self.skipped_counts: dict[str, int] = {}  # annotations left out of the file, by reason
        self.id_source = "column"  # or "row number" when the file has no id column
        self.columns_used: dict[str, str] = {}  # canonical → the file's column, where they differ
        self.view: str | None = None  # which of the file's pairs are used, when not all

    def __len__(self) -> int:
        return len(self._pairs)

    def __iter__(self) -> Iterator[Pair]:
        return iter(self._pairs)

    def __getitem__(self, pair_id: str) -> Pair:
        return self._pairs[self._index[pair_id]]

    def __contains__(self, pair_id: object) -> bool:
        return pair_id in self._index

    def __repr__(self) -> str:
        return f"PairSet(name={self.name!r}, n={len(self)}, has_labels={self.has_labels})"

    @property
    def ids(self) -> list[str]:
        return [pair.id for pair in self._pairs]

    def has_text(self, pair_id: str) -> bool:
        """Whether this pair's texts are at hand (a set read for its features keeps a sample)."""
        return pair_id in self._index

    def has_texts(self, ids: Sequence[str]) -> np.ndarray:
        """:meth:`has_text` of every id in ``ids`` at once, as a boolean array."""
        return np.asarray(pd.Index(ids, dtype=object).isin(list(self._index)), dtype=bool)

    def feature_values(self, spec: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """Per-response values of feature source ``spec`` computed while reading (none here)."""
        return None

    @property
    def has_labels(self) -> bool:
        return any(pair.label is not None for pair in self._pairs)

    def labels(self) -> pd.Series:
        """Gold/human preferences indexed by pair id (missing labels dropped)."""
        data = {p.id: p.label for p in self._pairs if p.label is not None}
        return pd.Series(data, dtype="int8", name=self.label_name)

    def metadata_column(self, name: str) -> np.ndarray:
        """A metadata value for every pair, in order (``KeyError`` naming the first pair without it)."""
        values = []
        for pair in self._pairs:
            if name not in pair.metadata:
                raise InputError(f"pair {pair.id!r} has no column {name!r}")
            values.append(pair.metadata[name])
        return np.asarray(values, dtype=object)

    def metadata_values(self, name: str) -> list[Any]:
        """A metadata value for every pair, in order, ``None`` where a pair has none."""
        return [pair.metadata.get(name) for pair in self._pairs]

    def metadata_columns(self) -> list[str]:
        """Metadata keys present on the first pair (files give every row the same columns)."""
        return list(self._pairs[0].metadata) if self._pairs else []

    def as_judgments(self, judge: str | None = None) -> JudgmentSet:
        """The labels as a judge, so gold/human labels take part in agreement tables."""
        name = judge or self.label_name
        return JudgmentSet(
            name, (Judgment(p.id, name, int(p.label), weight=p.label_weight)
                   for p in self._pairs if p.label is not None), source=self.source,
            label_format=self.label_format)

    def to_frame(self) -> pd.DataFrame:
        """One row per pair: id, prompt, response_1, response_2, label and the metadata columns."""
        rows = []
        for pair in self._pairs:
            row = {"id": pair.id, "prompt": pair.prompt, "response_1": pair.response_1,
                   "response_2": pair.response_2, "label": pair.label}
            row.update(pair.metadata)
            rows.append(row)
        return pd.DataFrame(rows)

    def subset(self, ids: Iterable[str]) -> PairSet:
        """The pairs with these ids, in the given order (with how the file was read)."""
        part = PairSet((self[i] for i in ids), name=self.name, label_name=self.label_name,
                       source=self.source, label_format=self.label_format,
                       pairs_format=self.pairs_format)
        part.label_reading, part.skipped = self.label_reading, self.skipped
        part.id_source, part.columns_used, part.view = self.id_source, self.columns_used, self.view
        return part

    def reading_notes(self) -> list[str]:
        """What a user should know about how the file was read: skipped rows, generated ids,
        column aliases, the label's reading (printed by the CLI, kept in ``summary.json``)."""
        notes = [self.view] if self.view else []
        if self.columns_used:
            notes.append("columns: " + ", ".join(f"{canonical} ← {column!r}"
                                                 for canonical, column in self.columns_used.items()))
        if self.id_source != "column":
            notes.append(f"no id column: pairs are numbered by {self.id_source} (1 = the first)")
        if self.skipped:
            reasons = Counter(row.reason for row in self.skipped)
            shown = "; ".join(f"{n} × {reason}" for reason, n in reasons.most_common(3))
            where = ", ".join(row.where() for row in self.skipped[:5])
            notes.append(f"skipped {len(self.skipped)} row(s) that cannot form a pair ({shown}; "
                         f"at {where}{', ...' if len(self.skipped) > 5 else ''}); --strict refuses "
                         "such a file instead")
        if self.label_reading is not None:
            notes.append(f"label {self.label_reading.text()}")
        return notes

    def reading_record(self) -> dict[str, Any]:
        """The same, as data for ``summary.json``."""
        return {"pairs_format": self.pairs_format, "id_source": self.id_source, "view": self.view,
                "columns": dict(self.columns_used),
                "label": None if self.label_reading is None else self.label_reading.to_dict(),
                "skipped": {"count": len(self.skipped),
                            "rows": [row.to_dict() for row in self.skipped[:100]],
                            "reasons": dict(Counter(row.reason for row in self.skipped))}}


class JudgmentSet:
    """One judge's verdicts, keyed by pair id."""

    def __init__(self, judge: str, judgments: Iterable[Judgment], *, source: str | None = None,
                 label_format: str | None = None) -> None:
        self.judge = judge
        self.source = source
        self.label_format = label_format  # how the verdicts were written, when known
        self.checked: bool | None = None  # verdicts matched to the pairs' texts by fingerprint
        self.n_unchecked = 0  # verdicts without a fingerprint in a file where others have one
        self.n_outside = 0  # verdicts on pairs the pairs file does not hold (a subset analysis)
        self.note: str | None = None  # how the file was read, when a reader must know
        self._by_id: dict[str, Judgment] = {}
        for judgment in judgments:
            if judgment.pair_id in self._by_id:
                raise InputError(f"judge {judge!r} has two verdicts for pair {judgment.pair_id!r}")
            self._by_id[judgment.pair_id] = judgment

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Judgment]:
        return iter(self._by_id.values())

    def __getitem__(self, pair_id: str) -> Judgment:
        return self._by_id[pair_id]

    def __contains__(self, pair_id: object) -> bool:
        return pair_id in self._by_id

    def __repr__(self) -> str:
        return f"JudgmentSet(judge={self.judge!r}, n={len(self)})"

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    @property
    def has_both_orders(self) -> bool:
        return any(j.has_both_orders for j in self._by_id.values())

    def preferences(self) -> pd.Series:
        """Preferences indexed by pair id."""
        return pd.Series({k: j.preference for k, j in self._by_id.items()}, dtype="int8",
                         name=self.judge)

    def weights(self) -> pd.Series:
        """Weights indexed by pair id: 1 for a hard verdict, below 1 for a soft one."""
        return pd.Series({k: j.weight for k, j in self._by_id.items()}, dtype="float64",
                         name=self.judge)

    def class_counts(self) -> dict[str, int]:
        """How many verdicts prefer response_1, neither, response_2."""
        values = [j.preference for j in self._by_id.values()]
        return {"response_1": values.count(-1), "tie": values.count(0), "response_2": values.count(1)}
