"""Style features as a batch transform: the column code of :mod:`.style_columns` for any batch
of pairs, shaped for Ray Data's ``map_batches``, so a log too large for one machine has its
features built on a cluster and explained from the result, not by a different program.

A cluster job, shard by shard, writes a scores folder (``id`` and ``<feature>_1`` /
``<feature>_2``, the layout ``preftree score`` writes)::

    import ray
    from preftree.features.batches import style_batch

    ray.data.read_json("s3://bucket/pairs/").map_batches(style_batch, batch_format="pandas") \\
        .write_parquet("s3://bucket/style/")

and ``preftree explain --pairs pairs.jsonl --features scores:style/`` (a folder of Parquet shards
is read as one scores file) explains from it: the same numbers as ``--features style``. Ray's
JSON reader is Arrow's, not preftree's: on a cluster the shards are trusted data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .style import STYLE_FEATURES
from .style_columns import style_columns

__all__ = ["style_batch"]


def style_batch(batch: pd.DataFrame | dict[str, Any], *, responses: Sequence[str] = ("response_1", "response_2"),
                keep: Sequence[str] = ("id",)) -> pd.DataFrame:
    """The batch's ``keep`` columns and each style feature of its ``responses``, as
    ``<feature>_1`` / ``<feature>_2`` (NaN where a response is not text: explain then refuses the
    pair by name). Texts are not returned.

    >>> style_batch(pd.DataFrame({"id": ["a"], "response_1": ["# T"], "response_2": ["one two"]}))[
    ...     ["id", "length_words_1", "length_words_2", "headers_1"]].to_dict("records")
    [{'id': 'a', 'length_words_1': 2.0, 'length_words_2': 2.0, 'headers_1': 1.0}]
    """
    frame = batch if isinstance(batch, pd.DataFrame) else \
        batch.to_pandas() if hasattr(batch, "to_pandas") else pd.DataFrame(batch)  # pandas, Arrow or dict batches
    clashes = [c for c in keep if any(c == f"{name}_{side}" for name in STYLE_FEATURES for side in (1, 2))]
    if clashes:
        raise InputError(f"style_batch: keep names {', '.join(clashes)}, which the features' columns take")
    missing = [c for c in (*responses, *keep) if c not in frame.columns]
    if missing:
        raise InputError(f"style_batch: the batch has no column(s) {', '.join(missing)}; columns: "
                       f"{', '.join(map(str, frame.columns))}")
    out: dict[str, Any] = {column: frame[column].astype(str).to_numpy() if column == "id"
                           else frame[column].to_numpy() for column in keep}
    for side, column in enumerate(responses, start=1):
        texts = frame[column].tolist()
        rows = [i for i, text in enumerate(texts) if isinstance(text, str)]
        measured = style_columns([texts[i] for i in rows])
        for name in STYLE_FEATURES:
            values = np.full(len(texts), np.nan)
            values[rows] = measured[name]
            out[f"{name}_{side}"] = values
    return pd.DataFrame(out)
