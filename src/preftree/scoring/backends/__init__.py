"""Scoring backends, registered as lazy ``"module:factory"`` strings so nothing heavy loads early.

A backend's factory takes a :class:`~preftree.scoring.checkpoint.Checkpoint` and
:class:`~preftree.scoring.options.ScoringOptions` and returns a :class:`LoadedModel`: something
that turns batches of token ids into an ``(n, K)`` array of scores. Deduplication, batching,
truncation and caching live in :class:`~preftree.scoring.scorer.RewardScorer`, shared by all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from ..._registry import SCORING_BACKENDS as BACKENDS
from ..._registry import load_registered
from ..._registry import scoring_backends as backends

__all__ = ["BACKENDS", "LoadedModel", "PacksSequences", "SharesPrefixes", "backends", "load_backend"]


class LoadedModel(Protocol):
    """A loaded reward model: tokenizer, output names and a batched forward pass."""

    attributes: list[str]
    tokenizer: Any
    max_length: int
    description: dict[str, Any]

    def forward(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        """Scores ``(len(batch), K)`` of right-padded token-id rows read at each row's last token."""
        ...


class SharesPrefixes(LoadedModel, Protocol):
    """A loaded model that can score several suffixes of one shared prefix in one pass (its
    ``shares_prefixes`` says when that applies)."""

    shares_prefixes: bool

    def prefix_state(self, prefix: Sequence[int]) -> Any:
        """The prefix's state (a key/value cache), computed once for several suffix batches."""
        ...

    def forward_shared(self, prefix: Sequence[int], suffixes: Sequence[Sequence[int]],
                       state: Any = None) -> np.ndarray:
        """Scores ``(len(suffixes), K)`` of ``prefix + suffix`` for each suffix."""
        ...


class PacksSequences(LoadedModel, Protocol):
    """A loaded model that can score rows packed into one unpadded row (``packs_sequences``
    says when that applies, ``varlen_attention`` whether it is cheaper than padding)."""

    packs_sequences: bool
    varlen_attention: bool

    def forward_packed(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        """Scores ``(len(batch), K)`` of the rows, computed packed end to end."""
        ...


def load_backend(name: str) -> Callable[..., LoadedModel]:
    """The factory of a registered backend; an unknown name lists the available ones."""
    return load_registered(backends(), name, "scoring backend")
