"""The SQLite score cache: WAL mode, per-batch transactions, keys."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from preftree.scoring.cache import ScoreCache, default_cache_path, model_key


def test_put_get_roundtrip_and_wal(tmp_path):
    with ScoreCache(tmp_path / "c.sqlite") as cache:
        cache.put("k", [("a", np.array([1.5, -2.0]), 7, False), ("b", np.array([0.0, 1.0]), 9, True)])
        got = cache.get("k", ["a", "b", "missing", "a"])
        assert set(got) == {"a", "b"}
        np.testing.assert_array_equal(got["a"][0], [1.5, -2.0])
        assert got["b"][1:] == (9, True)
        assert cache.get("other-model", ["a"]) == {}
        assert cache.count() == 2 and cache.count("k") == 2
    mode = sqlite3.connect(tmp_path / "c.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_failed_batch_leaves_nothing(tmp_path):
    with ScoreCache(tmp_path / "c.sqlite") as cache:
        bad_rows = [("a", np.array([1.0]), 3, False), (None, np.array([2.0]), 3, False)]
        with pytest.raises(sqlite3.IntegrityError):  # the second row breaks NOT NULL
            cache.put("k", bad_rows)
        assert cache.count() == 0


def test_lookups_beyond_one_sql_chunk(tmp_path):
    with ScoreCache(tmp_path / "c.sqlite") as cache:
        cache.put("k", [(f"h{i}", np.array([float(i)]), 1, False) for i in range(1200)])
        got = cache.get("k", [f"h{i}" for i in range(1300)])
        assert len(got) == 1200 and got["h1199"][0][0] == 1199.0


def test_model_key_depends_on_every_field():
    base = {"model": "m", "revision": "r", "dtype": "float32", "max_length": 512}
    assert model_key(base) == model_key(dict(reversed(base.items())))
    for field, value in [("revision", "r2"), ("dtype", "bfloat16"), ("max_length", 256)]:
        assert model_key({**base, field: value}) != model_key(base)


def test_default_path_reads_the_environment_at_call_time(monkeypatch, tmp_path):
    monkeypatch.setenv("PREFTREE_CACHE_DIR", str(tmp_path))
    assert default_cache_path() == tmp_path / "scores.sqlite"
