"""Shared fixtures: the real public data in ../shared/data (skipped when absent) and small synthetic sets."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

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
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def import_model_source(folder: Path, module_name: str, source: str, class_name: str) -> Any:
    """Write a remote-code modeling file, import it and register its class for AutoModelForSequenceClassification."""
    path = folder / f"{module_name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    model_class = getattr(module, class_name)
    model_class.register_for_auto_class("AutoModelForSequenceClassification")
    return model_class


def seed_layout_scores(tmp_path_factory: pytest.TempPathFactory, tiny_model: Any, demo_pairs: Any,
                       name: str) -> tuple[Path, list[Any], np.ndarray, np.ndarray]:
    """A copy of the seed's checkpoint layout and its attribute scores for both responses of the demo pairs."""
    import shutil

    from preftree.model import DecisionTreeRewardModel

    folder = shutil.copytree(tiny_model("llama", 5, "decision-tree-reward"),
                             tmp_path_factory.mktemp(name) / "Decision-Tree-Reward-Tiny")
    model = DecisionTreeRewardModel.from_pretrained(folder, progress=False)
    pairs = list(demo_pairs)
    first = model.scorer.score([p.prompt for p in pairs], [p.response_1 for p in pairs])
    second = model.scorer.score([p.prompt for p in pairs], [p.response_2 for p in pairs])
    return Path(folder), pairs, first, second


def write_rewardbench(path: Path, pairs: list[Any], subset: str = "alpacaeval-easy") -> Path:
    """Labelled pairs as RewardBench rows (id, subset, prompt, chosen, rejected)."""
    return write_jsonl(path, [
        {"id": f"x{i}", "subset": subset, "prompt": p.prompt,
         "chosen": p.response_1 if p.label == -1 else p.response_2,
         "rejected": p.response_2 if p.label == -1 else p.response_1}
        for i, p in enumerate(pairs) if p.label in (-1, 1)])


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


# -- tiny random-weight reward models with a real BPE tokenizer, built once per session ------------
# Nothing here is a test double: real transformers Llama / Gemma-2 classifiers with random weights,
# saved with ``save_pretrained`` and loaded through the same path a Hub id takes.

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "preftree" / "examples" / "demo_pairs.jsonl"


@pytest.fixture(scope="session")
def demo_pairs() -> Any:
    from preftree import load_pairs

    return load_pairs(EXAMPLES)


@pytest.fixture(scope="session")
def corpus(demo_pairs: Any) -> list[str]:
    return [p.prompt_text() for p in demo_pairs] + [p.response_1 for p in demo_pairs] + \
        [p.response_2 for p in demo_pairs]


@pytest.fixture(scope="session")
def tokenizer(corpus: list[str]) -> Any:
    pytest.importorskip("transformers", reason="needs preftree[hf]")
    from preftree.scoring.tiny import train_tokenizer

    return train_tokenizer(corpus, vocab_size=600)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, tokenizer: Any) -> Any:
    """``tiny_model(architecture, num_labels, layout)`` → folder of a saved checkpoint (memoized)."""
    from preftree.scoring.tiny import save_tiny_reward_model

    made: dict[tuple[str, int, str], Path] = {}

    def build(architecture: str = "llama", num_labels: int = 1,
              layout: str = "sequence-classifier") -> Path:
        key = (architecture, num_labels, layout)
        if key not in made:
            folder = tmp_path_factory.mktemp(f"{architecture}-{num_labels}-{layout}")
            made[key] = save_tiny_reward_model(folder, tokenizer, architecture=architecture,  # type: ignore[arg-type]
                                               num_labels=num_labels, layout=layout)  # type: ignore[arg-type]
        return made[key]

    return build
