"""The PreferenceTree estimator: fit, explain, validate, bootstrap and (de)serialize."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "CVReport": ".validation",
    "PreferenceTree": ".estimator",
    "TreeStructure": ".structure",
    "bootstrap_importances": ".importance",
    "check_preferences": ".estimator",
    "cross_validate": ".validation",
    "data_fingerprint": ".serialize",
    "explain_row": ".text",
    "format_number": ".text",
    "save_tree": ".serialize",
    "tree_text": ".text",
    "wilson_interval": ".validation",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names resolve lazily
    from .estimator import PreferenceTree, check_preferences
    from .importance import bootstrap_importances
    from .serialize import data_fingerprint, save_tree
    from .structure import TreeStructure
    from .text import explain_row, format_number, tree_text
    from .validation import CVReport, cross_validate, wilson_interval
