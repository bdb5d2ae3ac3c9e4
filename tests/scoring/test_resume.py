"""A scoring run killed with SIGKILL resumes from the cache: nothing lost, nothing scored twice."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd

from preftree.scoring.cache import ScoreCache

# The child process kills itself with a real SIGKILL when the engine is asked for batch number
# `kill_at` (counting from 0), i.e. after `kill_at` batches were scored and committed.
CHILD = """
import json, os, signal, sys
from preftree import load_pairs
from preftree.scoring import RewardScorer, score_pairs, write_scores

folder, pairs_path, cache, out, kill_at = sys.argv[1:]
scorer = RewardScorer.from_pretrained(folder, cache=cache, batch_tokens=512, progress=False)
engine, calls = scorer.loaded_model, [0]

def dying(method):
    def call(*args):
        if calls[0] == int(kill_at):
            os.kill(os.getpid(), signal.SIGKILL)
        calls[0] += 1
        return method(*args)
    return call

# every forward pass counts, ordinary batches and shared-prefix groups alike
engine.forward, engine.forward_shared = dying(engine.forward), dying(engine.forward_shared)
frame = score_pairs(scorer, load_pairs(pairs_path))
write_scores(frame, out)
stats = scorer.last_stats
print(json.dumps({"distinct": stats.n_distinct, "cached": stats.n_cached, "computed": stats.n_computed}))
"""


def _child(folder: Path, pairs: Path, cache: Path, out: Path, kill_at: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CHILD, str(folder), str(pairs), str(cache), str(out),
                           str(kill_at)], capture_output=True, text=True, timeout=300)


def test_sigkill_then_resume_gives_the_uninterrupted_output(tiny_model, tmp_path):
    folder = tiny_model("llama", 5)
    pairs = Path(__file__).resolve().parents[2] / "src" / "preftree" / "examples" / "demo_pairs.jsonl"
    out = tmp_path / "scores.parquet"
    killed = _child(folder, pairs, tmp_path / "cache.sqlite", out, kill_at=6)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not out.exists()  # no partial output
    with ScoreCache(tmp_path / "cache.sqlite") as cache:
        saved_before = cache.count()
    assert saved_before > 0  # the six committed batches survived the kill

    resumed = _child(folder, pairs, tmp_path / "cache.sqlite", out, kill_at=-1)
    assert resumed.returncode == 0, resumed.stderr
    figures = json.loads(resumed.stdout)
    assert figures["cached"] == saved_before  # nothing lost
    assert figures["computed"] == figures["distinct"] - saved_before  # nothing scored twice
    with ScoreCache(tmp_path / "cache.sqlite") as cache:
        assert cache.count() == figures["distinct"]

    clean = _child(folder, pairs, tmp_path / "fresh.sqlite", tmp_path / "clean.parquet", kill_at=-1)
    assert json.loads(clean.stdout)["cached"] == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(tmp_path / "clean.parquet"),
                                  check_exact=False, atol=1e-4, rtol=0)
