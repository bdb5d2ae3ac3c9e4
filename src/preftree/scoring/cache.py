"""A content-addressed score cache in SQLite (WAL mode).

Why SQLite rather than Parquet shards: every batch of scores must be committed durably as soon as
it is computed, so that a run killed with SIGKILL loses nothing. SQLite gives an atomic, fsync'd
commit per batch, point lookups by key, concurrent readers while a writer works, and a single
file — all from the standard library. Parquet shards would need one file per batch plus a
compaction step, and a torn shard after a crash.

Rows are keyed by ``(model_key, text_hash)``: ``model_key`` hashes everything that changes a score
(model id and revision, head, dtype, max length, truncation policy, chat-template hash) and
``text_hash`` the conversation (:func:`preftree.scoring.chat.text_hash`). Values are stored as
float32 (what the models compute in at most; hidden-state vectors for head training stay compact)
and the scorer rounds fresh values the same way, so cached and fresh results are identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = ["ScoreCache", "default_cache_path", "model_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS models (model_key TEXT PRIMARY KEY, description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scores (
    model_key TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    scores BLOB NOT NULL,
    n_tokens INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    PRIMARY KEY (model_key, text_hash)
) WITHOUT ROWID;
"""
_LOOKUP_CHUNK = 500


def default_cache_path() -> Path:
    """``$PREFTREE_CACHE_DIR/scores.sqlite``, else ``~/.cache/preftree/scores.sqlite`` (read at call time)."""
    root = os.environ.get("PREFTREE_CACHE_DIR")
    base = Path(root) if root else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "preftree"
    return base / "scores.sqlite"


def model_key(description: Mapping[str, Any]) -> str:
    """A stable hash of everything that changes a model's scores.

    >>> model_key({"model": "m", "dtype": "float32"}) == model_key({"dtype": "float32", "model": "m"})
    True
    """
    return hashlib.sha256(json.dumps(dict(description), sort_keys=True).encode()).hexdigest()[:32]


class ScoreCache:
    """Scores per (model key, text hash), committed a batch at a time."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise InputError("is a folder; the score cache is a file (--cache FILE)", path=self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:  # not a database, a damaged one, a read-only folder
            raise InputError(f"cannot use as the score cache ({exc}); give another --cache FILE, "
                             "or --no-cache (a damaged cache may be deleted: it is rebuilt)",
                             path=self.path) from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ScoreCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def register_model(self, key: str, description: Mapping[str, Any]) -> None:
        """Record what a model key stands for (for humans inspecting the cache)."""
        self._db.execute("INSERT OR IGNORE INTO models VALUES (?, ?)",
                         (key, json.dumps(dict(description), sort_keys=True)))

    def get(self, key: str, hashes: Sequence[str]) -> dict[str, tuple[np.ndarray, int, bool]]:
        """Cached ``(scores, n_tokens, truncated)`` for the hashes that are present."""
        found: dict[str, tuple[np.ndarray, int, bool]] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), _LOOKUP_CHUNK):
            chunk = unique[start:start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT text_hash, scores, n_tokens, truncated FROM scores "
                f"WHERE model_key = ? AND text_hash IN ({marks})", (key, *chunk))
            for text, blob, n_tokens, truncated in rows:
                found[text] = (np.frombuffer(blob, dtype="<f4").astype(np.float64), int(n_tokens), bool(truncated))
        return found

    def put(self, key: str, rows: Iterable[tuple[str, np.ndarray, int, bool]]) -> None:
        """Store a batch of ``(text_hash, scores, n_tokens, truncated)`` in one transaction."""
        records = [(key, text, np.asarray(values, dtype="<f4").tobytes(), int(n), int(cut))
                   for text, values, n, cut in rows]
        with self._db:  # one transaction: the whole batch lands, or none of it
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?, ?)", records)

    def count(self, key: str | None = None) -> int:
        """Number of cached scores (for one model key, or all)."""
        if key is None:
            return int(self._db.execute("SELECT COUNT(*) FROM scores").fetchone()[0])
        return int(self._db.execute("SELECT COUNT(*) FROM scores WHERE model_key = ?",
                                    (key,)).fetchone()[0])
