"""preftree's JSON tree format, and the guarded import of pickled scikit-learn trees.

Format ``preftree.PreferenceTree`` version 1 (one JSON object)::

    {
      "format": "preftree.PreferenceTree", "format_version": 1,
      "feature_names": ["helpfulness_diff", ...],  # the columns of X, in order
      "named_features": true,                        # X was a DataFrame with these column names
      "classes": [-1, 1],                            # preference of each class_counts column
      "params": {...},                               # PreferenceTree.get_params()
      "depth": 3, "n_pairs": 412, "n_ties_dropped": 17, "depth_scores": {"1": 0.71, ...},
      "nodes": [                                     # node 0 is the root
        {"id": 0, "feature": "helpfulness_diff", "threshold": 0.5, "left": 1, "right": 2,
         "n_samples": 412, "class_counts": [180.0, 232.0], "impurity": 0.69},
        {"id": 1, "feature": null, "threshold": null, "left": null, "right": null, ...},  # a leaf
      ],
      "metadata": {"features": [...], "data_sha256": "...", "versions": {...}, "created": "..."}
    }

A sample goes to ``left`` when ``float32(x[feature]) <= threshold``. Thresholds are written with
full float64 precision, so a loaded tree predicts exactly as the fitted one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import platform
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._io import atomic_write_text
from ..errors import FormatError, InputError, UntrustedPickleError
from .structure import LEAF, TreeStructure

if TYPE_CHECKING:
    from .estimator import PreferenceTree

__all__ = ["FORMAT", "FORMAT_VERSION", "data_fingerprint", "library_versions", "load_pickled_tree",
           "load_tree", "save_tree", "tree_from_dict", "tree_to_dict"]

FORMAT = "preftree.PreferenceTree"
FORMAT_VERSION = 1


def library_versions() -> dict[str, str]:
    """Versions that affect a fit, recorded with every saved tree."""
    import sklearn

    from .._version import __version__

    return {"preftree": __version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


def data_fingerprint(X: Any, y: Any) -> str:
    """SHA-256 of the training matrix and labels, to tell later which data a tree came from."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(X, dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    return digest.hexdigest()


def _node(structure: TreeStructure, node: int, names: list[str]) -> dict[str, Any]:
    leaf = structure.is_leaf(node)
    return {
        "id": node,
        "feature": None if leaf else names[int(structure.feature[node])],
        "threshold": None if leaf else float(structure.threshold[node]),
        "left": None if leaf else int(structure.children_left[node]),
        "right": None if leaf else int(structure.children_right[node]),
        "n_samples": int(structure.n_samples[node]),
        "class_counts": [float(c) for c in structure.class_counts[node]],
        "impurity": float(structure.impurity[node]),
    }


def tree_to_dict(tree: PreferenceTree, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON-ready form of a fitted tree."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(tree, "structure_")
    names = tree.feature_names_
    meta = {"versions": library_versions(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    meta.update(getattr(tree, "metadata_", {}) or {})
    meta.update(metadata or {})
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "feature_names": names,
        "named_features": hasattr(tree, "feature_names_in_"),
        "classes": [int(c) for c in tree.classes_],
        "params": tree.get_params(),
        "depth": int(tree.depth_),
        "n_pairs": int(getattr(tree, "n_pairs_", 0)),
        "n_ties_dropped": int(getattr(tree, "n_ties_dropped_", 0)),
        "depth_scores": {str(k): v for k, v in getattr(tree, "depth_scores_", {}).items()},
        "nodes": [_node(tree.structure_, i, names) for i in range(tree.structure_.node_count)],
        "metadata": meta,
    }


def tree_from_dict(cls: type[PreferenceTree], data: dict[str, Any], *,
                   source: str = "tree") -> PreferenceTree:
    """Rebuild a fitted ``cls`` (a :class:`PreferenceTree`) from :func:`tree_to_dict` output."""
    if data.get("format") != FORMAT:
        raise FormatError(f"{source}: not a preftree tree (format {data.get('format')!r}, "
                          f"expected {FORMAT!r})")
    if int(data.get("format_version", 0)) > FORMAT_VERSION:
        raise FormatError(f"{source}: format version {data['format_version']} is newer than this "
                          f"preftree supports ({FORMAT_VERSION}); upgrade preftree")
    names = list(data["feature_names"])
    index = {name: i for i, name in enumerate(names)}
    nodes = sorted(data["nodes"], key=lambda n: n["id"])
    if [n["id"] for n in nodes] != list(range(len(nodes))):
        raise FormatError(f"{source}: node ids must be 0..{len(nodes) - 1}")
    try:
        structure = TreeStructure(
            children_left=np.array([LEAF if n["left"] is None else n["left"] for n in nodes], np.int64),
            children_right=np.array([LEAF if n["right"] is None else n["right"] for n in nodes], np.int64),
            feature=np.array([LEAF if n["feature"] is None else index[n["feature"]] for n in nodes], np.int64),
            threshold=np.array([np.nan if n["threshold"] is None else n["threshold"] for n in nodes],
                               np.float64),
            class_counts=np.array([n["class_counts"] for n in nodes], np.float64),
            n_samples=np.array([n["n_samples"] for n in nodes], np.int64),
            impurity=np.array([n.get("impurity", 0.0) for n in nodes], np.float64),
        )
    except KeyError as exc:
        raise FormatError(f"{source}: a node names feature {exc.args[0]!r}, which is not in "
                          f"feature_names {names}") from None
    tree = cls(**data.get("params", {}))
    tree.structure_ = structure
    tree.classes_ = np.array(data["classes"], dtype=np.int64)
    tree.n_features_in_ = len(names)
    if data.get("named_features", True):
        tree.feature_names_in_ = np.array(names, dtype=object)
    tree.depth_ = int(data.get("depth", structure.depth()))
    tree.depth_scores_ = {int(k): float(v) for k, v in data.get("depth_scores", {}).items()}
    tree.n_pairs_ = int(data.get("n_pairs", 0))
    tree.n_ties_dropped_ = int(data.get("n_ties_dropped", 0))
    tree.metadata_ = dict(data.get("metadata", {}))
    tree.estimator_ = None  # a loaded tree predicts from structure_; no sklearn object behind it
    return tree


def save_tree(tree: PreferenceTree, path: str | Path, metadata: dict[str, Any] | None = None) -> None:
    """Write the tree as JSON, atomically."""
    atomic_write_text(path, json.dumps(tree_to_dict(tree, metadata), indent=2) + "\n")


def load_tree(cls: type[PreferenceTree], path: str | Path) -> PreferenceTree:
    """Read a tree written by :func:`save_tree` as a ``cls``; a damaged file is a
    :class:`FormatError` naming it."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such tree file", path=path)
    from .._inputs import METADATA_LIMIT, read_input_bytes

    raw = read_input_bytes(path, limit=METADATA_LIMIT, what="tree file")
    if raw[:1] == b"\x80" or path.suffix in (".pkl", ".pickle", ".joblib"):
        raise InputError("this looks like a pickle, not a preftree JSON tree; import it with "
                         "PreferenceTree.from_pickle(path, trust_pickle=True) / --trust-pickle "
                         "if you trust it", path=path)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(f"not valid JSON: {getattr(exc, 'msg', exc)}", path=path, line=line) from None
    if not isinstance(data, dict):
        raise FormatError(f"{path}: not a preftree tree (a JSON {type(data).__name__})")
    try:
        return tree_from_dict(cls, data, source=str(path))
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError(f"{path}: damaged preftree tree ({type(exc).__name__}: {exc})") from None


def _classes_as_preferences(classes: np.ndarray, path: Path) -> np.ndarray:
    values = [int(c) for c in classes]
    if set(values) <= {0, 1}:  # the seed's convention: 0 = response_1 better, 1 = response_2 better
        return np.array([-1 if v == 0 else 1 for v in values], dtype=np.int64)
    if set(values) <= {-1, 0, 1}:
        return np.array(values, dtype=np.int64)
    raise InputError(f"the pickled tree's classes {values} are not preferences "
                     "({0, 1} or {-1, 0, +1})", path=path)


def load_pickled_tree(cls: type[PreferenceTree], path: str | Path, *, trust_pickle: bool = False,
                      feature_names: list[str] | None = None,
                      default_feature_names: list[str] | None = None,
                      orientation: Callable[[PreferenceTree], tuple[bool, dict[str, Any]]] | None = None
                      ) -> PreferenceTree:
    """Import a pickled ``DecisionTreeClassifier`` and convert it to a :class:`PreferenceTree`.

    Unpickling can execute arbitrary code: without ``trust_pickle=True`` this raises
    :class:`UntrustedPickleError` before the file is opened. Classes {0, 1} are read with the seed's
    convention (0 = response_1 better, 1 = response_2 better) and become -1 / +1.
    ``feature_names`` overrides the names stored in the pickle; ``default_feature_names`` is used
    only when it stores none. ``orientation`` decides, from the imported tree, whether its two
    classes mean the other response (they are then exchanged) and what to record about it.
    """
    from sklearn.tree import DecisionTreeClassifier

    path = Path(path)
    if not trust_pickle:
        raise UntrustedPickleError(
            f"{path}: refusing to unpickle — a pickle can run arbitrary code when loaded. If you "
            "trust this file, pass trust_pickle=True (CLI: --trust-pickle); preftree then converts "
            "it to its JSON format so you need not unpickle it again.")
    if not path.exists():
        raise InputError("no such file", path=path)
    with path.open("rb") as handle:
        try:
            obj = pickle.load(handle)
        except Exception as exc:  # a trusted file can still be corrupt or from joblib
            try:
                import joblib

                obj = joblib.load(path)
            except Exception:
                raise InputError(f"cannot unpickle: {exc}", path=path) from None
    if isinstance(obj, cls):
        return obj
    if not isinstance(obj, DecisionTreeClassifier) or not hasattr(obj, "tree_"):
        raise InputError(f"expected a fitted sklearn DecisionTreeClassifier, found "
                         f"{type(obj).__name__}", path=path)
    names = feature_names
    if names is None and hasattr(obj, "feature_names_in_"):
        names = [str(n) for n in obj.feature_names_in_]
    if names is None:
        names = default_feature_names
    if names is None:
        raise InputError(f"the pickled tree has no feature names; pass feature_names "
                         f"({obj.n_features_in_} of them)", path=path)
    if len(names) != obj.n_features_in_:
        raise InputError(f"{len(names)} feature names given for a tree of {obj.n_features_in_} "
                         "features", path=path)
    tree = cls(max_depth=int(obj.get_depth()) or 1, criterion=obj.criterion,
                          min_samples_leaf=obj.min_samples_leaf)
    tree.structure_ = TreeStructure.from_sklearn(obj.tree_)
    tree.estimator_ = None  # the structure is read from the pickle; its classes may be exchanged
    tree.classes_ = _classes_as_preferences(obj.classes_, path)
    tree.n_features_in_ = int(obj.n_features_in_)
    tree.feature_names_in_ = np.array(names, dtype=object)
    tree.depth_ = int(obj.get_depth())
    tree.depth_scores_ = {}
    tree.n_pairs_ = int(tree.structure_.n_samples[0])
    tree.n_ties_dropped_ = 0
    tree.metadata_ = {"imported_from": str(path), "original_classes": [int(c) for c in obj.classes_],
                      "python_at_import": sys.version.split()[0]}
    if orientation is not None:
        exchange, recorded = orientation(tree)
        if exchange:  # class 1 meant the other response: exchange the two classes' counts
            tree.structure_ = dataclasses.replace(
                tree.structure_, class_counts=tree.structure_.class_counts[:, ::-1].copy())
        tree.metadata_.update(recorded)
    return tree
