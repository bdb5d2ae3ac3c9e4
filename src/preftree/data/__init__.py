"""Pairs and judgments: the data model, file loaders, label formats and Hub presets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "Judgment": ".model",
    "JudgmentSet": ".model",
    "LABEL_FORMATS": ".labels",
    "Message": ".model",
    "Pair": ".model",
    "PairSet": ".model",
    "Prompt": ".model",
    "Table": ".files",
    "detect_label_format": ".labels",
    "judges_from_columns": ".judge_files",
    "load_judges": ".judge_files",
    "load_judgments": ".judge_files",
    "load_pairs": ".loaders",
    "pairs_from_table": ".loaders",
    "parse_label": ".labels",
    "parse_labels": ".label_column",
    "parse_mapping": ".files",
    "read_table": ".files",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names resolve lazily
    from .files import Table, parse_mapping, read_table
    from .judge_files import judges_from_columns, load_judges, load_judgments
    from .label_column import parse_labels
    from .labels import LABEL_FORMATS, detect_label_format, parse_label
    from .loaders import load_pairs, pairs_from_table
    from .model import Judgment, JudgmentSet, Message, Pair, PairSet, Prompt
