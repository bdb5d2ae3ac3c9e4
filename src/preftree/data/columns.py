"""Pairs and verdicts held column by column: the shared data model without an object per row.

A million pairs as :class:`~preftree.data.model.Pair` objects cost a second to build and a few
hundred bytes each before any text; as columns they cost their numbers. :class:`ColumnPairSet`
and :class:`ColumnJudgmentSet` are the model's :class:`PairSet` and :class:`JudgmentSet`, so every
stage takes them unchanged: ids, labels, metadata and precomputed feature values come straight
from the columns, and a :class:`Pair` (or :class:`Judgment`) is built only when one is asked for.

Texts may be kept for only the first pairs (the streaming reader keeps a bounded sample for the
report's examples): :meth:`ColumnPairSet.has_text` says which, and asking for a pair whose texts
were not kept is an error that says so, never a pair with empty texts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .model import Judgment, JudgmentSet, Pair, PairSet

__all__ = ["ColumnJudgmentSet", "ColumnPairSet", "PairColumns"]


@dataclass
class PairColumns:
    """The columns of a set of pairs, one entry per pair in file order.

    ``labels`` holds -1/0/+1 where ``has_label`` is true; ``metadata`` one row per pair;
    ``prompts`` / ``responses_1`` / ``responses_2`` the texts of the first ``len(prompts)`` pairs;
    ``features`` per-response values computed while reading, by feature source spec
    (``"style"``), each a frame for response_1 and one for response_2 indexed by pair id.
    """

    ids: list[str]
    labels: np.ndarray
    has_label: np.ndarray
    weights: np.ndarray
    metadata: pd.DataFrame
    prompts: list[Any] = field(default_factory=list)
    responses_1: list[str] = field(default_factory=list)
    responses_2: list[str] = field(default_factory=list)
    features: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class ColumnPairSet(PairSet):
    """A :class:`PairSet` over :class:`PairColumns` (see the module's docstring)."""

    def __init__(self, columns: PairColumns, **reading: Any) -> None:
        super().__init__((), **reading)
        self._columns = columns
        self._indexed = False  # the id → position index is built when first asked for
        self._meta_rows: list[dict[str, Any]] | None = None

    def _positions(self) -> dict[str, int]:
        if not self._indexed:
            ids = self._columns.ids
            self._index = dict(zip(ids, range(len(ids))))
            if len(self._index) != len(ids):
                repeated = pd.Index(ids)[pd.Index(ids).duplicated()][0]
                raise InputError(f"duplicate pair id {repeated!r}")
            self._indexed = True
        return self._index

    def __contains__(self, pair_id: object) -> bool:
        return pair_id in self._positions()

    @property
    def columns(self) -> PairColumns:
        return self._columns

    def __len__(self) -> int:
        return len(self._columns.ids)

    def __iter__(self) -> Iterator[Pair]:
        if len(self._columns.responses_1) < len(self):
            raise InputError(f"the texts of pairs past the first "
                             f"{len(self._columns.responses_1):,} were not kept (the pairs were read for "
                             "their features); read them with keep_texts=True for a command that needs "
                             "every text", path=self.source)
        return (self._pair(position) for position in range(len(self)))

    def __getitem__(self, pair_id: str) -> Pair:
        position = self._positions()[pair_id]
        if not self.has_text(pair_id):
            raise InputError(f"pair {pair_id!r}: its texts were not kept (read for features only)",
                             path=self.source)
        return self._pair(position)

    def has_text(self, pair_id: str) -> bool:
        position = self._positions().get(pair_id)
        return position is not None and position < len(self._columns.responses_1)

    def has_texts(self, ids: Sequence[str]) -> np.ndarray:
        kept = self._columns.ids[:len(self._columns.responses_1)]  # texts are kept for a leading run
        return np.asarray(pd.Index(ids, dtype=object).isin(list(kept)), dtype=bool)

    def _pair(self, position: int) -> Pair:
        c = self._columns
        if self._meta_rows is None:  # only the pairs whose texts were kept can become Pair objects
            kept = c.metadata.iloc[:len(c.responses_1)]
            self._meta_rows = [{k: _plain(v) for k, v in row.items()} for row in kept.to_dict("records")] \
                if len(kept.columns) else [{} for _ in range(len(kept))]
        label = int(c.labels[position]) if c.has_label[position] else None
        weight = float(c.weights[position]) if c.has_label[position] else 1.0
        return Pair(c.ids[position], c.prompts[position], c.responses_1[position],
                    c.responses_2[position], label, self._meta_rows[position], weight)

    @property
    def ids(self) -> list[str]:
        return list(self._columns.ids)

    @property
    def has_labels(self) -> bool:
        return bool(self._columns.has_label.any())

    def labels(self) -> pd.Series:
        c = self._columns
        ids = np.asarray(c.ids, dtype=object)[c.has_label]
        return pd.Series(c.labels[c.has_label], index=pd.Index(ids), dtype="int8",
                         name=self.label_name)

    def metadata_column(self, name: str) -> np.ndarray:
        if name not in self._columns.metadata.columns:
            if not len(self):
                return np.asarray([], dtype=object)
            raise InputError(f"pair {self._columns.ids[0]!r} has no column {name!r}")
        return np.asarray(self.metadata_values(name), dtype=object)

    def metadata_values(self, name: str) -> list[Any]:
        if name not in self._columns.metadata.columns:
            return [None] * len(self)
        return [_plain(v) for v in self._columns.metadata[name].tolist()]

    def metadata_columns(self) -> list[str]:
        return [str(c) for c in self._columns.metadata.columns] if len(self) else []

    def as_judgments(self, judge: str | None = None) -> JudgmentSet:
        c = self._columns
        ids = [i for i, kept in zip(c.ids, c.has_label.tolist()) if kept]
        return ColumnJudgmentSet(judge or self.label_name, ids, c.labels[c.has_label],
                                 c.weights[c.has_label], source=self.source,
                                 label_format=self.label_format)

    def to_frame(self) -> pd.DataFrame:
        return PairSet(iter(self)).to_frame()

    def subset(self, ids: Iterable[str]) -> PairSet:
        part = PairSet((self[i] for i in ids), name=self.name, label_name=self.label_name,
                       source=self.source, label_format=self.label_format, pairs_format=self.pairs_format)
        part.label_reading, part.skipped = self.label_reading, self.skipped
        part.id_source, part.columns_used, part.view = self.id_source, self.columns_used, self.view
        return part

    def feature_values(self, spec: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """Per-response values of the feature source ``spec`` computed while reading, if any."""
        return self._columns.features.get(spec)


class ColumnJudgmentSet(JudgmentSet):
    """A :class:`JudgmentSet` over arrays: one judge's hard or soft verdicts without an object
    per verdict (the labels of a :class:`ColumnPairSet` as a judge)."""

    def __init__(self, judge: str, ids: Sequence[str], preferences: np.ndarray, weights: np.ndarray, *,
                 source: str | None = None, label_format: str | None = None) -> None:
        super().__init__(judge, (), source=source, label_format=label_format)
        self._ids = list(ids)
        self._preferences = np.asarray(preferences, dtype=np.int8)
        self._weights = np.asarray(weights, dtype=np.float64)
        self._built = False

    def _verdicts(self) -> dict[str, Judgment]:
        if not self._built:
            self._by_id = {i: Judgment(i, self.judge, int(p), weight=float(w))
                           for i, p, w in zip(self._ids, self._preferences.tolist(), self._weights.tolist())}
            self._built = True
        return self._by_id

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[Judgment]:
        return iter(self._verdicts().values())

    def __getitem__(self, pair_id: str) -> Judgment:
        return self._verdicts()[pair_id]

    def __contains__(self, pair_id: object) -> bool:
        return pair_id in self._verdicts()

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    @property
    def has_both_orders(self) -> bool:
        return False

    def preferences(self) -> pd.Series:
        return pd.Series(self._preferences, index=pd.Index(self._ids), dtype="int8",
                         name=self.judge)

    def weights(self) -> pd.Series:
        return pd.Series(self._weights, index=pd.Index(self._ids), dtype="float64",
                         name=self.judge)

    def class_counts(self) -> dict[str, int]:
        p = self._preferences
        return {"response_1": int((p == -1).sum()), "tie": int((p == 0).sum()), "response_2": int((p == 1).sum())}
