"""Tiny random-weight reward models with a real BPE tokenizer, built once per test session.

Nothing here is a test double: the models are real transformers Llama / Gemma-2 classifiers with
random weights, saved with ``save_pretrained`` and loaded through the same path a Hub id takes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch", reason="scoring tests need preftree[hf] (torch, transformers)")
pytest.importorskip("transformers", reason="scoring tests need preftree[hf]")

from preftree import load_pairs  # noqa: E402
from preftree.scoring.tiny import save_tiny_reward_model, train_tokenizer  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "preftree" / "examples" / "demo_pairs.jsonl"


@pytest.fixture(scope="session")
def demo_pairs() -> Any:
    return load_pairs(EXAMPLES)


@pytest.fixture(scope="session")
def corpus(demo_pairs: Any) -> list[str]:
    return [p.prompt_text() for p in demo_pairs] + [p.response_1 for p in demo_pairs] + \
        [p.response_2 for p in demo_pairs]


@pytest.fixture(scope="session")
def tokenizer(corpus: list[str]) -> Any:
    return train_tokenizer(corpus, vocab_size=600)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, tokenizer: Any) -> Any:
    """``tiny_model(architecture, num_labels, layout)`` → folder of a saved checkpoint (memoized)."""
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
