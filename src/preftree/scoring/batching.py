"""Token-budget batching and truncation: pure functions over token-id lists (no torch here)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["MIN_SHARED_PREFIX", "shared_prefix_groups", "TruncationError", "fed_tokens", "padding_fraction", "plan_batches", "truncate"]


class TruncationError(ValueError):
    """Some sequences are longer than the model's maximum length and truncation is ``error``."""

    def __init__(self, positions: list[int], lengths: list[int], max_length: int) -> None:
        self.positions = positions
        self.lengths = lengths
        self.max_length = max_length
        super().__init__(f"{len(positions)} sequences exceed max_length={max_length}")


def truncate(sequences: Sequence[list[int]], max_length: int,
             policy: str) -> tuple[list[list[int]], list[int]]:
    """Apply the truncation policy; return the sequences and the positions that were cut.

    >>> truncate([[1, 2, 3], [4]], 2, "left")
    ([[2, 3], [4]], [0])
    >>> truncate([[1, 2, 3], [4]], 2, "right")
    ([[1, 2], [4]], [0])
    """
    too_long = [i for i, s in enumerate(sequences) if len(s) > max_length]
    if not too_long:
        return list(sequences), []
    if policy == "error":
        raise TruncationError(too_long, [len(sequences[i]) for i in too_long], max_length)
    out = list(sequences)
    for i in too_long:
        out[i] = out[i][-max_length:] if policy == "left" else out[i][:max_length]
    return out, too_long


def plan_batches(lengths: Sequence[int], batch_tokens: int,
                 max_padding: float = 0.05) -> list[np.ndarray]:
    """Group sequences, longest first, so that rows × longest row stays within ``batch_tokens``.

    Sorting by length keeps padding small; a batch also closes before a shorter row would push its
    padding above ``max_padding``, so no batch (and no run) pads more than that share. A sequence
    longer than the budget gets a batch of its own. Returns arrays of positions into ``lengths``.

    >>> [b.tolist() for b in plan_batches([3, 9, 4, 8], 16)]
    [[1], [3], [2], [0]]
    >>> [b.tolist() for b in plan_batches([3, 9, 4, 8], 16, max_padding=0.5)]
    [[1], [3, 2], [0]]
    """
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    while start < len(order):
        longest = max(int(lengths[order[start]]), 1)
        rows_cap = max(1, batch_tokens // longest)
        end, real = start + 1, longest
        while end < len(order) and end - start < rows_cap:
            candidate = real + int(lengths[order[end]])
            if 1.0 - candidate / ((end - start + 1) * longest) > max_padding:
                break
            real, end = candidate, end + 1
        batches.append(order[start:end])
        start = end
    return batches


def fed_tokens(lengths: Sequence[int], batches: Sequence[np.ndarray]) -> int:
    """Tokens fed to the model, padding included: rows × longest row, summed over batches.

    >>> fed_tokens([3, 9, 4, 8], [np.array([1]), np.array([3, 2]), np.array([0])])
    28
    """
    return sum(len(b) * max(int(lengths[i]) for i in b) for b in batches if len(b))


def padding_fraction(lengths: Sequence[int], batches: Sequence[np.ndarray]) -> float:
    """Share of the tokens fed to the model that are padding.

    >>> round(padding_fraction([3, 9, 4, 8], [np.array([1]), np.array([3, 2]), np.array([0])]), 3)
    0.143
    """
    real = sum(int(lengths[i]) for b in batches for i in b)
    fed = fed_tokens(lengths, batches)
    return 0.0 if fed == 0 else 1.0 - real / fed


MIN_SHARED_PREFIX = 16
"""Shorter shared prefixes are not worth a separate prefix pass."""


def shared_prefix_groups(encoded: Sequence[Sequence[int]], prompts: Sequence[Any],
                         min_prefix: int = MIN_SHARED_PREFIX) -> tuple[list[tuple[int, np.ndarray]], list[int]]:
    """Rows answering the same prompt, with the longest common prefix of their *token ids* (so a
    shared prefix is computed once and scores stay those of the full sequences); every other row
    alone. A prefix always leaves each row at least one token of its own.

    >>> groups, alone = shared_prefix_groups([[1, 2, 3, 4], [1, 2, 3, 5], [9]], ["p", "p", "q"], 2)
    >>> [(prefix, rows.tolist()) for prefix, rows in groups], alone
    ([(3, [0, 1])], [2])
    """
    by_prompt: dict[str, list[int]] = {}
    for row, prompt in enumerate(prompts):
        by_prompt.setdefault(json.dumps(prompt, sort_keys=True, default=str), []).append(row)
    groups, alone = [], []
    for rows in by_prompt.values():
        if len(rows) < 2:
            alone += rows
            continue
        first = encoded[rows[0]]
        prefix = min(len(encoded[r]) for r in rows) - 1
        for r in rows[1:]:
            other = encoded[r]
            n = 0
            while n < prefix and first[n] == other[n]:
                n += 1
            prefix = n
        if prefix < min_prefix:
            alone += rows
        else:
            groups.append((prefix, np.asarray(rows, dtype=np.int64)))
    return groups, sorted(alone)
