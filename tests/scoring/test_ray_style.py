"""Style features built as a Ray Data job over file shards (``map_batches(style_batch)``) on the
real 2-CPU local cluster of ``conftest.cluster``, the driver a subprocess as a user runs it: the
shards' features equal the local reader's, and ``explain --features scores:FOLDER`` over the
job's Parquet folder fits the same tree as ``--features style``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from preftree.data import load_pairs
from preftree.features.sources import StyleSource

pytest.importorskip("ray", reason="Ray Data needs preftree[ray]")

from .conftest import RAY_ENV

DRIVER = """
import sys, ray
from preftree.features.batches import style_batch
ray.init(log_to_driver=False, include_dashboard=False)
shards, out = sys.argv[1:-1], sys.argv[-1]
ray.data.read_json(shards).map_batches(style_batch, batch_format="pandas", batch_size=50).write_parquet(out)
"""


def _pairs(n: int, start: int) -> list[dict[str, object]]:
    rows = []
    for i in range(start, start + n):
        longer = "- **point** one\\n- two " * (i % 4)
        rows.append({"id": f"p{i}", "prompt": "q", "response_1": f"# Answer {i}\n" + "word " * (i % 7),
                     "response_2": longer + "text " * (i % 5), "label": 1 if i % 3 else -1})
    return rows


def test_style_features_as_a_ray_data_job_over_shards(cluster: str, tmp_path: Path) -> None:
    rows = _pairs(120, 0) + _pairs(80, 120)
    shards = []
    for number, part in enumerate((rows[:120], rows[120:])):
        shard = tmp_path / f"shard-{number}.jsonl"
        shard.write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
        shards.append(shard)
    whole = tmp_path / "pairs.jsonl"
    whole.write_text("".join(s.read_text(encoding="utf-8") for s in shards), encoding="utf-8")
    folder = tmp_path / "style"
    env = {**os.environ, **RAY_ENV, "RAY_ADDRESS": cluster}
    done = subprocess.run([sys.executable, "-c", DRIVER, *map(str, shards), str(folder)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    written = pd.concat([pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))]).set_index("id")
    first, second = StyleSource().values(load_pairs(whole))
    for side, local in ((1, first), (2, second)):
        remote = written.loc[local.index, [f"{c}_{side}" for c in local.columns]]
        assert (remote.to_numpy() == local.to_numpy()).all()

    summaries = []
    for spec in ("style", f"scores:{folder}"):
        out = tmp_path / f"explain-{len(summaries)}"
        run = subprocess.run([sys.executable, "-m", "preftree", "explain", "--pairs", str(whole), "--features", spec,
                              "--resamples", "5", "--cv", "3", "--out", str(out), "--quiet"],
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-3000:]
        summaries.append(json.loads((out / "summary.json").read_text()))
    assert summaries[0]["cv_accuracy"] == summaries[1]["cv_accuracy"]
    assert summaries[0]["tree"] == summaries[1]["tree"]
