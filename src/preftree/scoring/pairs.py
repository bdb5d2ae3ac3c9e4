"""Scoring pairs: both responses of every pair through one :class:`RewardScorer` call, so texts
shared between pairs (a common baseline answer, a response in several pairs) are scored once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._io import atomic_write_text, check_output_file
from .._version import __version__
from ..data.files import check_table_output, write_table
from ..data.model import PairSet
from .chat import conversation
from .protocol import Scorer

__all__ = ["METADATA_KEY", "check_scores_output", "read_scores_metadata", "score_pairs", "scores_sidecar",
           "write_scores"]

METADATA_KEY = "preftree"
"""Key of the JSON metadata record in a Parquet file's schema (or the ``.meta.json`` sidecar)."""


def score_pairs(scorer: Scorer, pairs: PairSet) -> pd.DataFrame:
    """One row per pair: ``id``, then ``<attr>_1``, ``<attr>_2`` for each attribute of the model.

    ``frame.attrs["preftree"]`` holds the metadata record: the model's description (id, revision,
    head, dtype, max length, chat-template hash, truncation policy), the truncation count and the
    run's figures.
    """
    ids = pairs.ids
    conversations = [conversation(p.prompt, p.response_1) for p in pairs]
    conversations += [conversation(p.prompt, p.response_2) for p in pairs]
    row_names = [f"{i} (response_1)" for i in ids] + [f"{i} (response_2)" for i in ids]
    run = scorer.score_conversations(conversations, row_names)
    n = len(ids)
    data: dict[str, Any] = {"id": ids}
    for k, attribute in enumerate(scorer.attributes):
        data[f"{attribute}_1"] = run.scores[:n, k]
        data[f"{attribute}_2"] = run.scores[n:, k]
    frame = pd.DataFrame(data)
    truncated = [row_names[i] for i in range(2 * n) if run.truncated[i]]
    stats = run.stats
    frame.attrs[METADATA_KEY] = {
        **scorer.description, "preftree_version": __version__, "n_pairs": n,
        "n_truncated": len(truncated), "truncated": truncated[:1000],
        "n_texts": stats.n_texts, "n_distinct_texts": stats.n_distinct,
        "n_cached": stats.n_cached, "n_computed": stats.n_computed,
    }
    return frame


def scores_sidecar(path: str | Path) -> Path:
    """The metadata sidecar of a CSV/JSONL scores file (``scores.csv.meta.json``)."""
    path = Path(path)
    return path.with_name(path.name + ".meta.json")


def check_scores_output(path: str | Path, inputs: Sequence[Any] = ()) -> Path:
    """Check a scores output (and its sidecar) before any scoring is done."""
    path = check_table_output(path, inputs)
    if path.suffix.lower() != ".parquet":
        check_output_file(scores_sidecar(path), inputs)
    return path


def write_scores(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write scores atomically: Parquet with the metadata in its schema, or CSV/JSONL + a sidecar."""
    path = check_scores_output(path)
    metadata = json.dumps(frame.attrs.get(METADATA_KEY, {}), sort_keys=True)
    if path.suffix.lower() == ".parquet":
        return write_table(frame, path, {METADATA_KEY.encode(): metadata.encode()})
    atomic_write_text(scores_sidecar(path), metadata + "\n")
    return write_table(frame, path)


def read_scores_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata record of a scores file written by :func:`write_scores` (``{}`` if none)."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        raw = (pq.read_schema(path).metadata or {}).get(METADATA_KEY.encode())
        return json.loads(raw) if raw else {}
    sidecar = scores_sidecar(path)
    if not sidecar.exists():
        return {}
    from .._inputs import read_json_file

    return read_json_file(sidecar, what="scores metadata")
