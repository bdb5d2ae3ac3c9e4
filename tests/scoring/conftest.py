"""Scoring tests need preftree[hf]; the tiny-model fixtures live in tests/conftest.py."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest

pytest.importorskip("torch", reason="scoring tests need preftree[hf] (torch, transformers)")
pytest.importorskip("transformers", reason="scoring tests need preftree[hf]")


# a cluster of this test's own on loopback: no token authentication between its processes
RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """A real 2-CPU Ray cluster (``ray start --head``) on loopback, shared by the Ray tests."""
    pytest.importorskip("ray", reason="--engine ray needs preftree[ray]")
    port = _free_port()
    env = {**os.environ, **RAY_ENV}
    started = subprocess.run(["ray", "start", "--head", "--num-cpus", "2", "--port", str(port),
                              "--include-dashboard", "false", "--disable-usage-stats"],
                             capture_output=True, text=True, env=env, timeout=300)
    assert started.returncode == 0, started.stderr
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run(["ray", "stop", "--force"], capture_output=True, env=env, timeout=120)
