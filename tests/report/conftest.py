"""Report tests: explain output folders built once, and a real headless Chromium when installed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from preftree.cli import cli

from ..conftest import write_jsonl

EVIL_PROMPT = "Say hi </textarea><script>window.pwned = 'prompt'; document.title = 'pwned';</script>"
EVIL_RESPONSE = ("<script>window.pwned = 'response'; document.title = 'pwned';</script>"
                 "<img src=x onerror=\"window.pwned='img'; document.title='pwned'\">")


@pytest.fixture(scope="session")
def evil_explain(tmp_path_factory) -> Path:
    """An explain folder (two judges, one named with markup) whose first pairs hold hostile text."""
    root = tmp_path_factory.mktemp("evil")
    rng = np.random.default_rng(0)
    pairs, judge_a, judge_b = [], [], []
    for i in range(80):
        h1, h2 = int(rng.integers(0, 5)), int(rng.integers(0, 5))
        evil = i < 12
        pairs.append({"id": f"p{i}", "prompt": EVIL_PROMPT if evil else f"question {i}",
                      "response_1": EVIL_RESPONSE if evil else "short", "response_2": "longer " * (i % 7 + 1),
                      "helpfulness_1": h1, "helpfulness_2": h2})
        judge_a.append({"index": f"p{i}", "model": "<b>bold</b>-judge",
                        "preference": 1 if h2 > h1 else -1})
        judge_b.append({"index": f"p{i}", "model": "length-judge", "preference": 1 if i % 7 > 2 else -1})
    pairs_file = write_jsonl(root / "pairs.jsonl", pairs)
    (root / "judges").mkdir()
    write_jsonl(root / "judges" / "a.jsonl", judge_a)
    write_jsonl(root / "judges" / "b.jsonl", judge_b)
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(pairs_file), "--judge", str(root / "judges"),
                                      "--features", "columns:helpfulness", "--features", "style",
                                      "--resamples", "10", "--out", str(root / "explained"),
                                      "--report", str(root / "report.html"), "--quiet"])
    assert result.exit_code == 0, result.output
    return root


def _chromium() -> str | None:
    for candidate in (os.environ.get("PREFTREE_CHROMIUM"), shutil.which("chromium"),
                      shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (`.ci/run` installs both)."""
    playwright = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright")
    executable = _chromium()
    if executable is None:
        message = "no Chromium found (apt-get install chromium, or set PREFTREE_CHROMIUM)"
        if os.environ.get("PREFTREE_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    with playwright.sync_playwright() as driver:
        instance = driver.chromium.launch(
            executable_path=executable, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield instance
        instance.close()
