"""Feature sources (rating columns, reward-model scores, style) and the differences built from them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "ColumnsSource": ".sources",
    "FeatureSource": ".sources",
    "FeatureTable": ".differences",
    "STYLE_FEATURES": ".style",
    "ScoresSource": ".sources",
    "StyleSource": ".sources",
    "build_features": ".differences",
    "diff_name": ".differences",
    "parse_feature_spec": ".sources",
    "style_features": ".style_columns",
    "style_of": ".style",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names resolve lazily
    from .differences import FeatureTable, build_features, diff_name
    from .sources import (
        ColumnsSource,
        FeatureSource,
        ScoresSource,
        StyleSource,
        parse_feature_spec,
    )
    from .style import STYLE_FEATURES, style_of
    from .style_columns import style_features
