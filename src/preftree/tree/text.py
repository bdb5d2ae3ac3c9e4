"""Trees and decision paths in words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .wording import split_sentence

if TYPE_CHECKING:
    from .estimator import PreferenceTree

__all__ = ["explain_row", "format_number", "format_percent", "leaf_summary", "tree_text"]


def format_number(value: float) -> str:
    """Compact, readable numbers for thresholds and feature values.

    Large values keep their fitted decimals: a threshold of −1380.5 is not −1,380 (which would
    put an integer difference on the wrong side of the split).

    >>> format_number(0.5), format_number(-1.234567), format_number(15234.5), format_number(3.0)
    ('0.5', '-1.23', '15234.5', '3')
    >>> format_number(-1380.5), format_number(2000.0), format_number(1234.56)
    ('-1380.5', '2000', '1234.56')
    """
    if not np.isfinite(value):
        return str(value)
    if abs(value) >= 1000:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    text = f"{value:.3g}"
    return "0" if text == "-0" else text


def format_percent(value: Any) -> str:
    """A share in [0, 1] as a percentage with one decimal; ``n/a`` for missing or non-finite values.

    >>> format_percent(0.1234), format_percent(None), format_percent(float("nan"))
    ('12.3%', 'n/a', 'n/a')
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "n/a"
    return "n/a" if not np.isfinite(number) else f"{100 * number:.1f}%"


def leaf_summary(tree: PreferenceTree, leaf: int) -> str:
    """``P(response_2 better) = 0.87 (n = 412)`` for one leaf (and P(tie) when ties are a class)."""
    structure = tree.structure_
    proba = structure.proba(np.array([leaf]))[0]
    classes = [int(c) for c in tree.classes_]
    p2 = proba[classes.index(1)] if 1 in classes else 0.0
    text = f"P(response_2 better) = {p2:.2f}"
    if 0 in classes:
        text += f", P(tie) = {proba[classes.index(0)]:.2f}"
    return f"{text} (n = {int(structure.n_samples[leaf])})"


def explain_row(tree: PreferenceTree, row: np.ndarray) -> str:
    """One pair's decision path in words, each step with its formula, e.g. ``response_2 is rated
    at least 1 higher on helpfulness (helpfulness_diff = 2 > 0.5) → P(response_2 better) = 0.97
    (n = 94)``."""
    structure = tree.structure_
    names = tree.feature_names_
    steps, leaf = structure.path(row)
    parts = []
    for node, went_left in steps:
        feature = int(structure.feature[node])
        value = float(np.float32(row[feature]))
        sign = "≤" if went_left else ">"
        threshold = float(structure.threshold[node])
        parts.append(f"{split_sentence(names[feature], threshold, not went_left)} "
                     f"({names[feature]} = {format_number(value)} {sign} {format_number(threshold)})")
    parts.append(leaf_summary(tree, leaf))
    return " → ".join(parts)


def tree_text(tree: PreferenceTree) -> str:
    """The whole tree as nested if/else lines, each condition in words and as a formula."""
    structure = tree.structure_
    names = tree.feature_names_
    lines: list[str] = []

    def walk(node: int, indent: str) -> None:
        if structure.is_leaf(node):
            lines.append(f"{indent}{leaf_summary(tree, node)}")
            return
        name, threshold = names[int(structure.feature[node])], float(structure.threshold[node])
        formula = f"{name} <= {format_number(threshold)}"
        lines.append(f"{indent}if {split_sentence(name, threshold, False)}:  # {formula}")
        walk(int(structure.children_left[node]), indent + "    ")
        lines.append(f"{indent}else:  # {split_sentence(name, threshold, True)}")
        walk(int(structure.children_right[node]), indent + "    ")

    walk(0, "")
    return "\n".join(lines)
