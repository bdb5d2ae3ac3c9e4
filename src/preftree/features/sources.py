"""Feature sources: where the per-response attribute values come from.

A source turns a :class:`~preftree.data.PairSet` into two frames of per-response values (response_1
and response_2, one row per pair, one column per feature). Sources are named by a spec string:

- ``columns:NAME[,NAME]`` — numeric columns ``NAME_1`` / ``NAME_2`` of the pairs file.
- ``scores:FILE`` — a per-pair scores file (or a folder of Parquet shards): ``id`` and ``<attr>_1`` / ``<attr>_2`` columns
  (or ``<attr>_A`` / ``<attr>_B``, as JudgeBench's reward-model files have them)
  (the output of ``preftree score``).
- ``style`` — the built-in text features of :mod:`preftree.features.style`.
- ``model:PATH`` — scores from a reward model, computed through the scoring engine (needs
  ``preftree[hf]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from .._registry import FEATURE_SOURCES, feature_sources, load_registered
from ..data.files import read_table
from ..data.model import PairSet
from ..errors import InputError
from .style_columns import style_features

__all__ = ["ColumnsSource", "FeatureSource", "ScoresSource", "StyleSource", "parse_feature_spec"]


class FeatureSource(Protocol):
    """Anything that yields per-response feature values for a set of pairs."""

    spec: str

    def values(self, pairs: PairSet) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Per-response values for response_1 and response_2, indexed by pair id."""
        ...


def _numeric(values: np.ndarray, feature: str, pairs: PairSet, origin: str) -> np.ndarray:
    out = np.empty(len(values), dtype=np.float64)
    for position, value in enumerate(values):
        try:
            out[position] = float(value)
        except (TypeError, ValueError):
            raise InputError(f"feature {feature!r}: value {value!r} of pair {pairs.ids[position]!r} "
                             f"(row {position + 1}) is not a number", path=origin) from None
    return out


SIDE_SUFFIXES = (("_1", "_2"), ("_A", "_B"), ("_a", "_b"))
"""How a column names its response: NAME_1 / NAME_2, or JudgeBench's NAME_A / NAME_B (the pairs
readers take response_A / response_B the same way)."""


def side_columns(columns: list[str], name: str) -> tuple[str, str] | None:
    """The two columns of ``name`` (response_1's, response_2's) among ``columns``, in any of the
    accepted spellings; two spellings of one name are ambiguous and refused."""
    found = [(f"{name}{first}", f"{name}{second}") for first, second in SIDE_SUFFIXES
             if f"{name}{first}" in columns and f"{name}{second}" in columns]
    if len(found) > 1:
        raise InputError(f"{name!r} has a column per response in {len(found)} spellings "
                         f"({'; '.join(' and '.join(pair) for pair in found)}): which are the scores? keep one")
    return found[0] if found else None


def paired_names(columns: list[str]) -> dict[str, tuple[str, str]]:
    """Every NAME with a column per response, in column order."""
    found: dict[str, tuple[str, str]] = {}
    for column in columns:
        for first, _ in SIDE_SUFFIXES:
            if column.endswith(first) and column[: -len(first)] not in found:
                pair = side_columns(columns, column[: -len(first)])
                if pair is not None:
                    found[column[: -len(first)]] = pair
    return found


@dataclass
class ColumnsSource:
    """Numeric per-response columns ``NAME_1`` / ``NAME_2`` of the pairs file."""

    names: tuple[str, ...]
    spec: str = ""

    def values(self, pairs: PairSet) -> tuple[pd.DataFrame, pd.DataFrame]:
        available = pairs.metadata_columns()
        frames: list[dict[str, np.ndarray]] = [{}, {}]
        for name in self.names:
            columns = side_columns(list(available), name)
            if columns is None:
                pairs_found = sorted(paired_names(list(available)))
                raise InputError(f"feature columns:{name} needs columns {name}_1 and {name}_2; per-response "
                                 f"columns found: {', '.join(pairs_found) or 'none'} ({name}_A and {name}_B "
                                 "are read too)", path=pairs.source)
            for side, column in enumerate(columns):
                frames[side][name] = _numeric(pairs.metadata_column(column), column, pairs,
                                              pairs.source or "pairs")
        return (pd.DataFrame(frames[0], index=pairs.ids), pd.DataFrame(frames[1], index=pairs.ids))


@dataclass
class ScoresSource:
    """A per-pair scores file with ``id`` and ``<attr>_1`` / ``<attr>_2`` columns."""

    path: Path
    spec: str = ""

    def values(self, pairs: PairSet) -> tuple[pd.DataFrame, pd.DataFrame]:
        frame = self._frame()
        id_column = next((c for c in ("id", "pair_id", "index") if c in frame.columns), None)
        if id_column is None:
            raise InputError(f"a scores file needs an 'id' column; found {list(frame.columns)}",
                             path=self.path)
        try:
            attrs = paired_names([str(c) for c in frame.columns])
        except InputError as exc:
            raise InputError(str(exc), path=self.path) from None
        def text_only(column: str) -> bool:  # model_a / model_b: names, not scores
            values = frame[column].dropna()
            return len(values) > 0 and pd.to_numeric(values, errors="coerce").isna().all()

        attrs = {a: pair for a, pair in attrs.items() if not all(text_only(c) for c in pair)}
        if not attrs:
            raise InputError("a scores file needs column pairs <attr>_1 and <attr>_2 (or JudgeBench's "
                             f"<attr>_A and <attr>_B); found {list(frame.columns)}", path=self.path)
        ids = frame[id_column].astype(str)
        if ids.duplicated().any():
            raise InputError(f"duplicate id {ids[ids.duplicated()].iloc[0]!r}", path=self.path)
        frame = frame.set_index(ids)
        missing = [i for i in pairs.ids if i not in frame.index]
        if missing:
            raise InputError(f"{len(missing)} of {len(pairs)} pairs have no scores "
                             f"(e.g. {', '.join(map(repr, missing[:5]))})", path=self.path)
        frame = frame.loc[pairs.ids]
        sides = []
        for side in (1, 2):
            data = {a: _numeric(frame[columns[side - 1]].to_numpy(), columns[side - 1], pairs,
                                str(self.path)) for a, columns in attrs.items()}
            sides.append(pd.DataFrame(data, index=pairs.ids))
        return sides[0], sides[1]

    def _frame(self) -> pd.DataFrame:
        """The scores: one file, or a folder of Parquet shards (a Ray Data job's output) read as one."""
        if not Path(self.path).is_dir():
            table = read_table(self.path)
            table.refuse_bad_rows()
            return table.frame
        shards = sorted(p for p in Path(self.path).iterdir() if p.suffix.lower() in (".parquet", ".pq")
                        and not p.name.startswith((".", "_")))
        if not shards:
            raise InputError("a scores folder holds Parquet shards (*.parquet); found none", path=self.path)
        from .._inputs import allowed_bytes, input_limit

        limit = allowed_bytes(Path(self.path), None)
        budget, frames = limit, []
        for shard in shards:  # the folder as a whole within --max-input-bytes, not each shard
            with input_limit(budget):
                frames.append(read_table(shard).frame)
            budget -= int(frames[-1].memory_usage(deep=True, index=False).sum())
            if budget < 0:
                raise InputError(f"its shards decode to more than {limit:,} bytes "
                                 "(--max-input-bytes)", path=self.path)
        if any(list(f.columns) != list(frames[0].columns) for f in frames):
            raise InputError("the Parquet shards of a scores folder must have the same columns", path=self.path)
        return pd.concat(frames, ignore_index=True)


@dataclass
class StyleSource:
    """The built-in style features of each response's text."""

    spec: str = "style"

    def values(self, pairs: PairSet) -> tuple[pd.DataFrame, pd.DataFrame]:
        measured = pairs.feature_values(self.spec)  # measured while the pairs were read
        if measured is not None:
            return measured
        first = style_features(p.response_1 for p in pairs).set_axis(pairs.ids)
        second = style_features(p.response_2 for p in pairs).set_axis(pairs.ids)
        return first, second


# Sources that need optional extras are registered as lazy "module:callable" strings.


def parse_feature_spec(spec: str) -> FeatureSource:
    """Turn a ``--features`` spec string into a :class:`FeatureSource`.

    >>> parse_feature_spec("columns:helpfulness,verbosity").names
    ('helpfulness', 'verbosity')
    """
    kind, _, argument = spec.partition(":")
    kind = kind.strip()
    if kind == "style" and not argument:
        return StyleSource()
    if kind == "columns" and argument:
        names = tuple(n.strip() for n in argument.split(",") if n.strip())
        return ColumnsSource(names, spec)
    if kind == "scores" and argument:
        return ScoresSource(Path(argument), spec)
    if kind == "traits":
        from .traits import TraitsSource

        return TraitsSource(argument or None, spec)
    sources = feature_sources()  # model:, and plug-ins' kinds
    if kind in sources and argument:
        return load_registered(sources, kind, "feature source")(argument, spec)
    plugins = "".join(f", '{k}:ARG'" for k in sources if k not in FEATURE_SOURCES)
    raise InputError(f"unknown feature spec {spec!r}; expected 'style', 'columns:NAME[,NAME]', "
                     f"'scores:FILE', 'traits[:DIR]' or 'model:PATH'{plugins}")
