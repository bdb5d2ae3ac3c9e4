"""The training recipe RLHFlow described but did not publish, end to end:

1. :func:`train_head` — last-token hidden states of a backbone for every rated response (through
   the scoring engine's batching and cache), one ridge-regression map to the K attributes, written
   as a preftree model folder;
2. :func:`fit_tree` — that model's attribute differences on preference pairs → PreferenceTree,
   saved in the folder, with validation accuracy next to each single attribute.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._folders import output_dir
from .._io import atomic_write_text
from ..data.files import read_table
from ..data.hub import (
    HELPSTEER2,
    HELPSTEER2_ATTRIBUTES,
    load_helpsteer2_preferences,
    load_helpsteer2_ratings,
)
from ..data.loaders import load_pairs
from ..data.model import PairSet
from ..errors import ConfigError, InputError
from ..features.differences import diff_name
from ..scoring.options import RayOptions, ScoringOptions
from ..scoring.scorer import RewardScorer
from ..tree import PreferenceTree
from .head import fit_ridge_head

__all__ = ["HeadReport", "TreeReport", "fit_tree", "load_preference_pairs", "load_ratings",
           "train_head", "validation_split"]

HEAD_REPORT = "head_report.json"


def validation_split(groups: Sequence[str], split: Sequence[Any] | None, fraction: float,
                     seed: int) -> np.ndarray:
    """True for held-out rows: the data's own split column when it has one, else a random share of
    prompts (all responses to one prompt fall on the same side, so no prompt leaks across).

    >>> validation_split(["a", "b"], ["train", "validation"], 0.5, 0).tolist()
    [False, True]
    """
    if split is not None:
        values = pd.Series(list(split)).astype(str).str.lower()
        if set(values) - {"train", "validation", "val", "valid", "test"}:
            bad = sorted(set(values) - {"train", "validation", "val", "valid", "test"})[:3]
            raise InputError(f"split column values must be train / validation; found {bad}")
        held_out = values.isin(["validation", "val", "valid", "test"]).to_numpy()
        if held_out.any() and (~held_out).any():
            return held_out
    salt = str(seed).encode()
    draws = np.array([int.from_bytes(hashlib.sha256(salt + g.encode()).digest()[:8], "big") / 2**64
                      for g in groups])
    return draws < fraction


def load_ratings(source: str | Path, *, hub_root: str | Path | None = None) -> pd.DataFrame:
    """Rated responses: ``nvidia/HelpSteer2`` (Hub, or ``hub_root``) or a file with prompt,
    response, one column per attribute and optionally ``split``."""
    if str(source) == HELPSTEER2:
        return load_helpsteer2_ratings(split="all", hub_root=hub_root)
    table = read_table(source)
    table.refuse_bad_rows()
    missing = [c for c in ("prompt", "response") if c not in table.frame.columns]
    if missing:
        raise InputError(f"a ratings file needs columns prompt and response (+ one per attribute); "
                         f"missing {missing}; found {list(table.frame.columns)}", path=source)
    return table.frame


def load_preference_pairs(source: str | Path, *, hub_root: str | Path | None = None,
                          label_format: str = "auto", label_map: Any = None) -> PairSet:
    """Preference pairs: ``nvidia/HelpSteer2:preference`` or a pairs file with a label (read in
    ``label_format`` or the coding ``label_map`` states)."""
    if str(source) == f"{HELPSTEER2}:preference":
        return load_helpsteer2_preferences(split="all", hub_root=hub_root)
    pairs = load_pairs(source, label_format=label_format, label_map=label_map)
    if not pairs.has_labels:
        raise InputError("the pairs need a preference label to fit a tree on", path=source)
    return pairs


def _ratings_matrix(frame: pd.DataFrame, attributes: Sequence[str], origin: str) -> np.ndarray:
    absent = [a for a in attributes if a not in frame.columns]
    if absent:
        raise InputError(f"ratings for {absent} not found; columns: {list(frame.columns)}", path=origin)
    values = frame[list(attributes)].apply(pd.to_numeric, errors="coerce")
    bad = frame[list(attributes)].notna().to_numpy() & values.isna().to_numpy()
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise InputError(f"row {row + 1}: rating {attributes[col]!r} = "
                         f"{frame[attributes[col]].iloc[row]!r} is not a number", path=origin)
    return values.to_numpy(dtype=np.float64)


@dataclass
class HeadReport:
    """Held-out figures of a trained head and where the model folder was written."""

    folder: Path
    metrics: pd.DataFrame
    n_train: int
    n_valid: int
    hidden_size: int


def train_head(backbone: str | Path, ratings: pd.DataFrame, out: str | Path, *,
               attributes: Sequence[str] = HELPSTEER2_ATTRIBUTES, valid_fraction: float = 0.1,
               seed: int = 0, origin: str = "ratings", force: bool = False,
               options: ScoringOptions | None = None, **scoring: Any) -> HeadReport:
    """Fit a biased linear head on ``backbone``'s last-token states and write a model folder
    (checked before any work: see :func:`preftree._folders.output_dir`)."""
    import torch

    from .._io import check_output_dir

    check_output_dir(out, [backbone, origin], force=force)

    from .layout import write_checkpoint

    targets = _ratings_matrix(ratings, attributes, origin)
    prompts = ratings["prompt"].tolist()
    held_out = validation_split([json.dumps(p, default=str) for p in prompts],
                                ratings["split"].tolist() if "split" in ratings else None,
                                valid_fraction, seed)
    if held_out.all() or not held_out.any():
        raise InputError(f"need rated responses on both sides of the split; {int(held_out.sum())} "
                         f"of {len(held_out)} are held out", path=origin)
    scorer = RewardScorer.from_pretrained(backbone, options, output="hidden", **scoring)
    try:
        hidden = scorer.score(prompts, ratings["response"].astype(str).tolist())
    finally:
        scorer.close()
    fit = fit_ridge_head(hidden[~held_out], targets[~held_out], hidden[held_out], targets[held_out],
                         list(attributes))
    engine = scorer.loaded_model
    head = torch.nn.Linear(fit.weight.shape[1], fit.weight.shape[0], bias=True)
    with torch.no_grad():
        head.weight.copy_(torch.as_tensor(fit.weight, dtype=torch.float32))
        head.bias.copy_(torch.as_tensor(fit.bias, dtype=torch.float32))
    backbone_module = getattr(engine, "backbone", None)
    if backbone_module is None:
        raise InputError("train-head needs a model with a backbone (a transformers checkpoint)")
    head = head.to(next(backbone_module.parameters()))
    report = HeadReport(Path(out), fit.metrics, int((~held_out).sum()), int(held_out.sum()),
                        int(hidden.shape[1]))
    assert scorer.checkpoint is not None
    with output_dir(out, [backbone, origin], force=force) as tmp:
        write_checkpoint(tmp, backbone=backbone_module, head=head,
                         source_config=scorer.checkpoint.path, attributes=list(attributes),
                         tokenizer=engine.tokenizer, chat_template=scorer.formatter.template)
        summary = {"backbone": str(backbone), "backbone_revision": scorer.checkpoint.revision,
                   "n_train": report.n_train, "n_valid": report.n_valid,
                   "metrics": fit.metrics.to_dict(orient="records")}
        atomic_write_text(tmp / HEAD_REPORT, json.dumps(summary, indent=2) + "\n")
    return report


@dataclass
class TreeReport:
    """Validation accuracy of the fitted tree next to every single-attribute sign rule, with
    counts that add up: labelled = train + train ties + held out + held-out ties."""

    tree: PreferenceTree
    accuracy: float
    single_attribute: dict[str, float]
    n_train: int  # training pairs with a preference (the tree's n)
    n_valid: int  # held-out pairs with a preference (the accuracy's n)
    n_train_ties: int = 0
    n_valid_ties: int = 0
    n_unlabelled: int = 0

    @property
    def n_labelled(self) -> int:
        return self.n_train + self.n_train_ties + self.n_valid + self.n_valid_ties


def _sign_rule_accuracy(diff: np.ndarray, labels: np.ndarray) -> float:
    """Accuracy of "the response with the higher value wins"; an exact tie counts half."""
    return float(np.mean(np.where(diff == 0, 0.5, np.sign(diff) == labels)))


def fit_tree(model_dir: str | Path, pairs: PairSet, *, max_depth: int | Literal["auto"] = 3,
             valid_fraction: float = 0.2, seed: int = 0, min_leaf: float = 0.01,
             options: ScoringOptions | None = None, ray: RayOptions | None = None,
             **scoring: Any) -> TreeReport:
    """Fit the preference tree of a preftree model folder on labelled pairs and save it there;
    every leaf holds at least ``min_leaf`` of the training pairs (a share below 1, else a count)."""
    if not (isinstance(min_leaf, (int, float)) and math.isfinite(min_leaf) and min_leaf > 0):
        raise ConfigError(f"min_leaf must be a positive finite number, got {min_leaf!r}")
    from ..scoring.pairs import score_pairs
    from .layout import TREE_FILE
    from .reward_model import DecisionTreeRewardModel

    model = DecisionTreeRewardModel.from_pretrained(model_dir, options, ray=ray, **scoring)
    frame = score_pairs(model.scorer, pairs).set_index("id")
    names = model.attributes
    diffs = pd.DataFrame({diff_name(a): frame[f"{a}_2"] - frame[f"{a}_1"] for a in names})
    labels = pairs.labels().reindex(diffs.index)
    known = labels.notna().to_numpy()
    diffs, labels = diffs[known], labels[known].astype(int).to_numpy()
    labelled = list(pairs.subset(diffs.index))
    split = [p.metadata.get("split") for p in labelled]
    held_out = validation_split([p.prompt_text() for p in labelled],
                                split if all(s is not None for s in split) else None,
                                valid_fraction, seed)
    decided = held_out & (labels != 0)
    n_train = int(((~held_out) & (labels != 0)).sum())
    if n_train < 2 or not decided.any():
        raise InputError(f"{len(labelled)} labelled pairs give {n_train} training and "
                         f"{int(decided.sum())} validation pairs with a preference; fit-tree needs "
                         "both (more pairs, or another --valid-fraction)", path=pairs.source)
    leaf = min_leaf if min_leaf < 1 else int(min_leaf)
    tree = PreferenceTree(max_depth=max_depth, random_state=seed,
                          min_samples_leaf=leaf)
    tree.fit(diffs[~held_out], labels[~held_out])
    accuracy = float(np.mean(tree.predict(diffs[decided]) == labels[decided]))
    singles = {a: _sign_rule_accuracy(diffs[diff_name(a)].to_numpy()[decided], labels[decided])
               for a in names}
    counts = {"n_train": n_train, "n_train_ties": int(((~held_out) & (labels == 0)).sum()),
              "n_valid": int(decided.sum()), "n_valid_ties": int((held_out & (labels == 0)).sum()),
              "n_unlabelled": int((~known).sum())}
    tree.save(Path(model_dir) / TREE_FILE, metadata={
        "attributes": names, "validation_accuracy": accuracy, "single_attribute_accuracy": singles,
        "min_leaf": min_leaf, "label": None if pairs.label_reading is None
        else pairs.label_reading.to_dict(), **counts,
        "n_train_pairs": n_train, "n_valid_pairs": counts["n_valid"]})
    return TreeReport(tree, accuracy, singles, **counts)
