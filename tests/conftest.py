"""Shared fixtures: the real public data in ../shared/data (skipped when absent) and small synthetic sets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "README.md").exists():
        pytest.skip(f"real public data not found at {SHARED_DATA} (the shared/ folder beside the "
                    "checkout); these tests need it")
    return SHARED_DATA


@pytest.fixture
def synthetic_xy() -> tuple[pd.DataFrame, np.ndarray]:
    """600 pairs whose preference follows a known rule: a_diff > 0.5, else b_diff > 0 (10% noise)."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a_diff", "b_diff", "noise_diff"])
    rule = np.where(X["a_diff"] > 0.5, 1, np.where(X["b_diff"] > 0, 1, -1))
    flip = rng.random(600) < 0.1
    return X, np.where(flip, -rule, rule)


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def small_pairs_file(tmp_path: Path) -> Path:
    """40 pairs with a rating column and a label that follows it."""
    rng = np.random.default_rng(1)
    records = []
    for i in range(40):
        h1, h2 = int(rng.integers(0, 5)), int(rng.integers(0, 5))
        label = 0 if h1 == h2 else (1 if h2 > h1 else -1)
        records.append({"id": f"p{i}", "prompt": f"question {i}", "response_1": "short answer",
                        "response_2": "a " * int(rng.integers(1, 30)) + "longer answer",
                        "helpfulness_1": h1, "helpfulness_2": h2, "label": label})
    return write_jsonl(tmp_path / "pairs.jsonl", records)
