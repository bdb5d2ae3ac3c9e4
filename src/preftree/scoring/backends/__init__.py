"""Scoring backends, registered as lazy ``"module:factory"`` strings so nothing heavy loads early.

A backend's factory takes a :class:`~preftree.scoring.checkpoint.Checkpoint` and
:class:`~preftree.scoring.options.ScoringOptions` and returns a :class:`ScoringEngine`: something
that turns batches of token ids into an ``(n, K)`` array of scores. Deduplication, batching,
truncation and caching live in :class:`~preftree.scoring.scorer.RewardScorer`, shared by all.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from ...errors import InputError, MissingDependencyError

__all__ = ["BACKENDS", "ScoringEngine", "load_backend"]

BACKENDS: dict[str, str] = {"transformers": "preftree.scoring.backends.hf:load_engine"}


class ScoringEngine(Protocol):
    """A loaded reward model: tokenizer, output names and a batched forward pass."""

    attributes: list[str]
    tokenizer: Any
    max_length: int
    description: dict[str, Any]

    def forward(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        """Scores ``(len(batch), K)`` of right-padded token-id rows read at each row's last token."""
        ...


def load_backend(name: str) -> Callable[..., ScoringEngine]:
    """The factory of a registered backend; an unknown name lists the available ones."""
    if name not in BACKENDS:
        raise InputError(f"unknown scoring backend {name!r}; available: {', '.join(sorted(BACKENDS))}")
    module_name, _, attr = BACKENDS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise MissingDependencyError(f"the {name!r} scoring backend needs preftree[hf] "
                                     f"(pip install 'preftree[hf]'): {exc}") from None
    return getattr(module, attr)
