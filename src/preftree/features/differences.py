"""From per-response values to the differences the tree splits on: Δ = f(response_2) − f(response_1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data.model import PairSet
from ..errors import InputError
from .sources import FeatureSource, parse_feature_spec

__all__ = ["FeatureTable", "build_features", "diff_name"]


def diff_name(feature: str) -> str:
    """The column name of a feature's difference.

    >>> diff_name("helpfulness")
    'helpfulness_diff'
    """
    return f"{feature}_diff"


@dataclass
class FeatureTable:
    """Per-response values and their differences, indexed by pair id."""

    values_1: pd.DataFrame
    values_2: pd.DataFrame
    specs: list[str] = field(default_factory=list)

    @property
    def diffs(self) -> pd.DataFrame:
        diffs = self.values_2 - self.values_1
        return diffs.rename(columns=diff_name)

    @property
    def feature_names(self) -> list[str]:
        return [diff_name(c) for c in self.values_1.columns]


def _check_finite(frame: pd.DataFrame, label: str, origin: str | None) -> None:
    values = frame.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise InputError(f"feature {frame.columns[col]!r} of {label} is {values[row, col]} for pair "
                         f"{frame.index[row]!r} (row {row + 1}); {int(bad.sum())} non-finite value(s) "
                         "in all — features must be finite numbers", path=origin)


def build_features(pairs: PairSet, specs: Sequence[str | FeatureSource]) -> FeatureTable:
    """Evaluate every feature source on ``pairs`` and join them; feature names must be unique."""
    if not specs:
        raise InputError("no features: give at least one --features spec (e.g. 'style')")
    firsts: list[Any] = []
    seconds: list[Any] = []
    names: list[str] = []
    for spec in specs:
        source = parse_feature_spec(spec) if isinstance(spec, str) else spec
        first, second = source.values(pairs)
        clash = set(first.columns) & set().union(*(set(f.columns) for f in firsts))
        if clash:
            raise InputError(f"feature name(s) {sorted(clash)} come from two sources (the second is "
                             f"{source.spec!r}); rename the columns of one of them")
        _check_finite(first, "response_1", pairs.source)
        _check_finite(second, "response_2", pairs.source)
        firsts.append(first)
        seconds.append(second)
        names.append(source.spec or str(spec))
    return FeatureTable(pd.concat(firsts, axis=1), pd.concat(seconds, axis=1), names)
