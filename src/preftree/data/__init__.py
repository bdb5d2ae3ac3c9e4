"""Pairs and judgments: the data model, file loaders, label formats and Hub presets."""

from .files import Table, parse_mapping, read_table
from .labels import LABEL_FORMATS, detect_label_format, parse_label, parse_labels
from .loaders import load_judges, load_judgments, load_pairs, pairs_from_table
from .model import Judgment, JudgmentSet, Message, Pair, PairSet, Prompt

__all__ = [
    "LABEL_FORMATS",
    "Judgment",
    "JudgmentSet",
    "Message",
    "Pair",
    "PairSet",
    "Prompt",
    "Table",
    "detect_label_format",
    "load_judges",
    "load_judgments",
    "load_pairs",
    "pairs_from_table",
    "parse_label",
    "parse_labels",
    "parse_mapping",
    "read_table",
]
