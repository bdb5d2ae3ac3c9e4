"""The PreferenceTree estimator: fit, explain, validate, bootstrap and (de)serialize."""

from .estimator import PreferenceTree, check_preferences
from .importance import bootstrap_importances
from .serialize import data_fingerprint, load_pickled_tree, load_tree, save_tree
from .structure import TreeStructure
from .text import explain_row, format_number, tree_text
from .validation import CVReport, cross_validate, wilson_interval

__all__ = [
    "CVReport",
    "PreferenceTree",
    "TreeStructure",
    "bootstrap_importances",
    "check_preferences",
    "cross_validate",
    "data_fingerprint",
    "explain_row",
    "format_number",
    "load_pickled_tree",
    "load_tree",
    "save_tree",
    "tree_text",
    "wilson_interval",
]
