"""``--engine ray``: a real 2-CPU Ray cluster started once for this module (``ray start``), two
replicas of a tiny model, drivers run as a user runs them (``preftree score`` subprocesses
connecting through RAY_ADDRESS). Scores equal the in-process engine's; a driver killed with
SIGKILL resumes from its shards with the same rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ray", reason="--engine ray needs preftree[ray]")

from .conftest import RAY_ENV, _free_port


def _score(cluster: str, model: Path, pairs: Path, out: Path, cache_dir: Path, *extra: str,
           wait: bool = True) -> subprocess.Popen | subprocess.CompletedProcess:
    env = {**os.environ, **RAY_ENV, "RAY_ADDRESS": cluster, "PREFTREE_CACHE_DIR": str(cache_dir)}
    command = [sys.executable, "-m", "preftree", "score", "--engine", "ray", "--replicas", "2",
               "--model", str(model), "--pairs", str(pairs), "--truncation", "left", "--out", str(out),
               *extra]
    if not wait:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def _in_process(model: Path, pairs: Path, out: Path) -> pd.DataFrame:
    done = subprocess.run([sys.executable, "-m", "preftree", "score", "--model", str(model), "--pairs",
                           str(pairs), "--truncation", "left", "--no-cache", "--quiet", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return pd.read_parquet(out)


def test_ray_equals_the_in_process_engine_on_llmbar(cluster, shared_data, tiny_model, tmp_path):
    model = tiny_model("llama", 5, "decision-tree-reward")
    pairs = shared_data / "llmbar" / "pairs.jsonl"
    result = _score(cluster, model, pairs, tmp_path / "ray.parquet", tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert "scoring on 2 Ray replicas" in result.stderr  # progress
    assert "419 pairs, 838 distinct texts: 0 from cache, 838 scored" in result.stdout
    assert "; on 2 Ray replica(s): length-bucketed padded batches" in result.stdout  # the replicas' path
    assert "padding 0.0%" not in result.stdout  # the replicas' padding, not a zero from the driver
    ray_frame = pd.read_parquet(tmp_path / "ray.parquet")
    local = _in_process(model, pairs, tmp_path / "local.parquet")
    assert ray_frame["id"].tolist() == local["id"].tolist()
    np.testing.assert_allclose(ray_frame.drop(columns="id").to_numpy(), local.drop(columns="id").to_numpy(),
                               atol=1e-4)
    again = _score(cluster, model, pairs, tmp_path / "again.parquet", tmp_path / "cache")
    assert "838 from cache, 0 scored" in again.stdout  # the shards are the engine's cache


def test_sigkill_of_the_driver_then_resume(cluster, tiny_model, demo_pairs, tmp_path):
    from ..conftest import write_jsonl

    model = tiny_model("llama", 1)
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [
        {"id": p.id, "prompt": p.prompt, "response_1": p.response_1, "response_2": p.response_2}
        for p in demo_pairs])
    cache = tmp_path / "cache"
    driver = _score(cluster, model, pairs, tmp_path / "killed.parquet", cache, "--batch-tokens", "512",
                    wait=False)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and driver.poll() is None and \
            len(list(cache.glob("ray/*/*.parquet"))) < 2:
        time.sleep(0.05)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    kept = len(list(cache.glob("ray/*/*.parquet")))
    assert kept >= 1 and not (tmp_path / "killed.parquet").exists()
    resumed = _score(cluster, model, pairs, tmp_path / "resumed.parquet", cache)
    assert resumed.returncode == 0, resumed.stderr
    cached = int(resumed.stdout.split(" from cache")[0].rsplit(" ", 1)[-1])
    assert cached >= 1  # finished batches were not scored again
    clean = _in_process(model, pairs, tmp_path / "clean.parquet")
    frame = pd.read_parquet(tmp_path / "resumed.parquet")
    assert frame["id"].tolist() == clean["id"].tolist()  # same rows, none lost or duplicated
    np.testing.assert_allclose(frame.drop(columns="id").to_numpy(), clean.drop(columns="id").to_numpy(),
                               atol=1e-4)


def test_rewardbench_and_explain_run_on_ray(cluster, tiny_model, demo_pairs, tmp_path):
    import json

    from ..conftest import write_jsonl, write_rewardbench

    model = tiny_model("llama", 1)
    env = {**os.environ, **RAY_ENV, "RAY_ADDRESS": cluster, "PREFTREE_CACHE_DIR": str(tmp_path / "cache")}
    labelled = [p for p in demo_pairs if p.label in (-1, 1)][:40]
    data = write_rewardbench(tmp_path / "rb.jsonl", labelled)
    results = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.json"
        done = subprocess.run([sys.executable, "-m", "preftree", "rewardbench", "--model", str(model),
                               "--engine", engine, "--replicas", "2", "--data", str(data), "--truncation",
                               "left", "--resamples", "0", "--quiet", "--out", str(out)],
                              env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        results[engine] = json.loads(out.read_text())["alpacaeval-easy"]
    assert results["ray"] == results["local"]
    from ..rewardbench.rmbench_fixtures import rm_bench_rows, vocabulary_of, write_per_domain

    rm_bench = write_per_domain(tmp_path / "rm-bench", rm_bench_rows(vocabulary_of(demo_pairs), {"chat": 4, "code": 3}))
    for engine in ("local", "ray"):  # RM-Bench on the pool: each response scored once there too
        out = tmp_path / f"rmb-{engine}.json"
        done = subprocess.run([sys.executable, "-m", "preftree", "rewardbench", "--benchmark", "rm-bench", "--model",
                               str(model), "--engine", engine, "--replicas", "2", "--data", str(rm_bench),
                               "--resamples", "0", "--quiet", "--no-cache", "--out", str(out)],
                              env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        results[engine] = json.loads(out.read_text())["domains"]
    assert results["ray"] == results["local"] and set(results["ray"]) == {"chat", "code"}
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [  # short texts: explain scores them untruncated
        {"id": p.id, "prompt": p.prompt_text()[:200], "response_1": p.response_1[:300],
         "response_2": p.response_2[:300], "label": p.label} for p in list(demo_pairs)[:80]])
    explained = subprocess.run([sys.executable, "-m", "preftree", "explain", "--pairs", str(pairs),
                                "--features", f"model:{model}", "--engine", "ray", "--replicas", "2",
                                "--bootstrap", "3", "--min-leaf", "1", "--out", str(tmp_path / "e"),
                                "--quiet"], env=env, capture_output=True, text=True, timeout=600)
    assert explained.returncode == 0, explained.stderr
    assert json.loads((tmp_path / "e" / "summary.json").read_text())["features"] == ["reward_diff"]


def test_an_unreachable_cluster_fails_in_seconds(tiny_model, tmp_path, small_pairs_file):
    """Ray retries a wrong RAY_ADDRESS for minutes; preftree probes it first (no cluster needed)."""
    started = time.monotonic()
    done = _score(f"127.0.0.1:{_free_port()}", tiny_model("llama", 1), small_pairs_file,
                  tmp_path / "s.parquet", tmp_path / "cache")
    assert done.returncode == 1 and "cannot reach the Ray cluster" in done.stderr, done.stderr
    assert time.monotonic() - started < 60 and not (tmp_path / "s.parquet").exists()
    typo = _score("head-node", tiny_model("llama", 1), small_pairs_file, tmp_path / "s.parquet", tmp_path / "c")
    assert typo.returncode == 2 and "expected HOST:PORT" in typo.stderr


def test_an_address_that_is_not_ray_fails_in_seconds(tiny_model, tmp_path, small_pairs_file):
    """A port that answers, but not as Ray (here a plain HTTP server), used to pass the TCP probe
    and leave Ray retrying for minutes."""
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        started = time.monotonic()
        done = _score(f"127.0.0.1:{server.server_address[1]}", tiny_model("llama", 1),
                      small_pairs_file, tmp_path / "s.parquet", tmp_path / "cache")
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 1 and "not as a Ray cluster" in done.stderr, done.stderr
    assert time.monotonic() - started < 60
    client = _score("ray://127.0.0.1:10001", tiny_model("llama", 1), small_pairs_file,
                    tmp_path / "s.parquet", tmp_path / "c")
    assert client.returncode == 2 and "Ray Client (ray://) is not supported" in client.stderr


def test_preftree_errors_in_a_replica_keep_their_class():
    """A replica's InputError reaches the user as itself (exit 2), not a flattened 'Ray run
    failed' cut at 300 characters (a Ray wrapper: RayTaskError(InputError) with ``cause``)."""
    from preftree.errors import InputError
    from preftree.scoring.ray_engine import _preftree_cause

    original = InputError("12 conversations are longer than max_length=64 tokens: " + "'x', " * 200)

    class RayTaskError(Exception):
        def __init__(self, cause):
            super().__init__("Traceback (most recent call last): ...\n" + str(cause))
            self.cause = cause

    wrapped = RuntimeError("stream failed")
    wrapped.__cause__ = RayTaskError(original)
    assert _preftree_cause(wrapped) is original
    assert _preftree_cause(RuntimeError("other")) is None
