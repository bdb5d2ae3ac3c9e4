"""A FIFO (or a device) given as an input is refused at once instead of blocking the run: the
readers check for a regular file before opening it. A helper thread opens each FIFO for writing
after a few seconds, so a reader that did block would finish (with the wrong message) instead of
hanging the suite."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from preftree.cli import cli


def _unblock_later(fifo: Path, seconds: float = 5.0) -> threading.Thread:
    def release() -> None:
        time.sleep(seconds)
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # nobody is reading: the command did not block
            return
        os.close(fd)

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("name, command", [
    ("pairs.jsonl", lambda f, out: ["score", "--model", "m", "--pairs", str(f), "--out", str(out / "s.parquet")]),
    ("annotations.json", lambda f, out: ["winrate", str(f), "--out", str(out / "w.csv")]),
    ("winrate.json", lambda f, out: ["report", str(f), "--out", str(out / "r.html")]),
    ("probe.json", lambda f, out: ["leaderboard", "--results", str(f)]),
])
def test_a_fifo_input_is_refused_without_blocking(tmp_path: Path, name: str, command) -> None:
    fifo = tmp_path / name
    os.mkfifo(fifo)
    _unblock_later(fifo)
    started = time.monotonic()
    result = CliRunner().invoke(cli, command(fifo, tmp_path))
    assert result.exit_code != 0
    assert time.monotonic() - started < 4, "the command waited on the FIFO"
    assert "not a regular file" in result.output or "not a folder" in result.output, result.output
