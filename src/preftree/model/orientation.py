"""Which way round a foreign tree reads its labels, decided from the tree itself.

A tree over rating differences means one of two things:

- ``first``: class 1 means the response whose rating comes *first* in the difference is better.
  RLHFlow's blog fits f(r¹ − r²) = P(a¹ ≻ a²) (y = 𝕀(a¹ ≻ a²)), and preftree reads Δ = r² − r¹
  with class 1 = response_2 better: both are ``first``, the same tree read from either side.
- ``second``: class 1 means the *other* response is better (e.g. y = 𝕀(a¹ ≻ a²) fitted on
  r² − r¹). Read as ``first``, such a tree picks the worse response every time.

Nobody outside RLHFlow can open the real ``decision_tree.pkl``, so preftree never assumes: it
probes the tree with differences where one response is better on the quality attributes
(helpfulness, correctness, coherence up by c, for every c at which the tree's quality splits
change their answer) and checks that this raises that response's probability. When the answer is
consistent it is taken and recorded; when the tree never looks at a quality attribute, or answers
both ways, loading stops and asks for ``tree_labels`` (``--tree-labels first|second``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..tree import PreferenceTree
from ..tree.structure import TreeStructure
from ..tree.wording import feature_base

__all__ = ["QUALITY_ATTRIBUTES", "TREE_LABELS", "Orientation", "decide_orientation",
           "probe_orientation"]

QUALITY_ATTRIBUTES = ("helpfulness", "correctness", "coherence")
TREE_LABELS = ("auto", "first", "second")


@dataclass(frozen=True)
class Orientation:
    """The outcome of a probe: the convention (or ``None`` when it cannot be told) and why."""

    labels: str | None
    reason: str


def _p_second_better(tree: PreferenceTree, rows: np.ndarray) -> np.ndarray:
    frame = pd.DataFrame(rows, columns=tree.feature_names_)
    return tree.prob_response_2(frame)


def probe_orientation(tree: PreferenceTree) -> Orientation:
    """Probe a tree read as ``first`` (preftree's reading): does a response that is better on the
    quality attributes get a higher probability of being the better one?"""
    names = list(tree.feature_names_)
    quality = [i for i, name in enumerate(names) if feature_base(name) in QUALITY_ATTRIBUTES]
    structure: TreeStructure = tree.structure_
    used = {int(f) for f in structure.feature if f >= 0}
    if not quality or not used & set(quality):
        return Orientation(None, "the tree splits on none of the quality attributes "
                                 f"({', '.join(QUALITY_ATTRIBUTES)})")
    thresholds = sorted({abs(float(structure.threshold[n])) for n in range(structure.node_count)
                         if int(structure.feature[n]) in quality})
    top = max(thresholds + [1.0])
    steps = np.array(sorted({t * 1.0001 + 1e-6 for t in thresholds} | {2 * top, 0.5 * min(thresholds) + 1e-6}))
    rows = np.zeros((len(steps), len(names)))
    rows[:, quality] = steps[:, None]
    up, down = _p_second_better(tree, rows), _p_second_better(tree, -rows)
    gap = up - down  # > 0: response_2 better on quality is preferred more (reading "first")
    monotone_up = bool(np.all(np.diff(up) >= -1e-12) and np.all(np.diff(down) <= 1e-12))
    monotone_down = bool(np.all(np.diff(up) <= 1e-12) and np.all(np.diff(down) >= -1e-12))
    shown = ", ".join(names[i] for i in quality if i in used)
    if np.all(gap >= 0) and np.any(gap > 0) and monotone_up:
        return Orientation("first", f"a response better on {shown} is preferred more as its lead "
                                    f"grows (P from {down[-1]:.2f} to {up[-1]:.2f})")
    if np.all(gap <= 0) and np.any(gap < 0) and monotone_down:
        return Orientation("second", f"read as 'first', a response better on {shown} would be "
                                     f"preferred less (P from {down[-1]:.2f} to {up[-1]:.2f}), so "
                                     "class 1 means the other response")
    return Orientation(None, f"the tree's answer on {shown} is not monotone (P(better) along the "
                             f"probe: {', '.join(f'{p:.2f}' for p in up)})")


def decide_orientation(tree: PreferenceTree, tree_labels: str = "auto") -> tuple[bool, dict[str, Any]]:
    """How to read a foreign tree (imported as ``first``) in preftree's convention: whether its
    classes must be exchanged, and what to record (``tree_labels``, ``tree_labels_decided_by``).
    Passed to :meth:`PreferenceTree.from_pickle`, which applies it while it builds the tree.

    ``tree_labels``: ``auto`` probes the tree (:func:`probe_orientation`) and refuses when the
    probe cannot tell; ``first`` / ``second`` state it.
    """
    if tree_labels not in TREE_LABELS:
        raise InputError(f"tree_labels must be one of {', '.join(TREE_LABELS)}, got {tree_labels!r}")
    if sorted(int(c) for c in tree.classes_) != [-1, 1]:
        raise InputError(f"a foreign tree needs two classes to be oriented, found {list(tree.classes_)}")
    if tree_labels == "auto":
        found = probe_orientation(tree)
        if found.labels is None:
            raise InputError(f"cannot tell which response this tree's class 1 prefers: {found.reason}. "
                             "State it with --tree-labels first (class 1 = the response whose rating "
                             "comes first in the difference is better, as in RLHFlow's blog) or "
                             "--tree-labels second (tree_labels= in Python)")
        labels, decided_by = found.labels, f"probe: {found.reason}"
    else:
        labels, decided_by = tree_labels, "stated by the user"
    return labels == "second", {"tree_labels": labels, "tree_labels_decided_by": decided_by}
