"""Feature sources (rating columns, reward-model scores, style) and the differences built from them."""

from .differences import FeatureTable, build_features, diff_name
from .sources import ColumnsSource, FeatureSource, ScoresSource, StyleSource, parse_feature_spec
from .style import STYLE_FEATURES, style_features, style_of

__all__ = [
    "STYLE_FEATURES",
    "ColumnsSource",
    "FeatureSource",
    "FeatureTable",
    "ScoresSource",
    "StyleSource",
    "build_features",
    "diff_name",
    "parse_feature_spec",
    "style_features",
    "style_of",
]
