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
                         min_prefix: int = MIN_SHARED_PREFIX, *,
                         max_length: int | None = None) -> tuple[list[tuple[int, np.ndarray]], list[int]]:
    """Rows answering the same prompt, grouped by a common prefix of their *token ids* (so a
    shared prefix is computed once and scores stay those of the full sequences); every other row
    alone. A prefix always leaves each row at least one token of its own.

    Within a prompt, rows are sorted by their tokens and grouped greedily where sharing saves more:
    edited copies of one response (a response with filler appended) share the whole response, not
    only the prompt. Rows longer than ``max_length`` (where a backbone's cache is exact only up to
    a length, as Gemma-2's sliding window) stay alone.

    >>> groups, alone = shared_prefix_groups([[1, 2, 3, 4], [1, 2, 3, 5], [9]], ["p", "p", "q"], 2)
    >>> [(prefix, rows.tolist()) for prefix, rows in groups], alone
    ([(3, [0, 1])], [2])
    >>> rows = [[1, 2, 3, 4, 5], [1, 2, 3, 4, 6], [1, 2, 7, 8, 9], [1, 2, 7, 8, 0]]
    >>> groups, _ = shared_prefix_groups(rows, ["p"] * 4, 2)
    >>> sorted((prefix, r.tolist()) for prefix, r in groups)
    [(4, [0, 1]), (4, [2, 3])]
    """
    by_prompt: dict[str, list[int]] = {}
    alone: list[int] = []
    for row, prompt in enumerate(prompts):
        if max_length is not None and len(encoded[row]) > max_length:
            alone.append(row)
            continue
        by_prompt.setdefault(json.dumps(prompt, sort_keys=True, default=str), []).append(row)
    groups = []
    for rows in by_prompt.values():
        ordered = sorted(rows, key=lambda r: tuple(encoded[r]))
        for prefix, members in _greedy_groups(ordered, encoded):
            if len(members) < 2 or prefix < min_prefix:
                alone += members
            else:
                groups.append((prefix, np.asarray(sorted(members), dtype=np.int64)))
    return groups, sorted(alone)


def _common(first: Sequence[int], other: Sequence[int], limit: int) -> int:
    n = 0
    while n < limit and first[n] == other[n]:
        n += 1
    return n


def _greedy_groups(ordered: list[int], encoded: Sequence[Sequence[int]]) -> list[tuple[int, list[int]]]:
    """Consecutive token-sorted rows in groups: a row joins the open group while the tokens the
    group saves (``(k - 1) × prefix``) grow."""
    made: list[tuple[int, list[int]]] = []
    members, prefix = [ordered[0]], len(encoded[ordered[0]]) - 1
    for row in ordered[1:]:
        shared = _common(encoded[members[-1]], encoded[row], min(prefix, len(encoded[row]) - 1))
        if len(members) == 1 or len(members) * shared > (len(members) - 1) * prefix:
            members, prefix = members + [row], shared
        else:
            made.append((prefix, members))
            members, prefix = [row], len(encoded[row]) - 1
    made.append((prefix, members))
    return made
