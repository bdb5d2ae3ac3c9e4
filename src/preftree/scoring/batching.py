"""Token-budget batching and truncation: pure functions over token-id lists (no torch here)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError

__all__ = ["ACCELERATOR_BATCH_OVERHEAD_TOKENS", "BATCH_OVERHEAD_TOKENS", "MAX_BATCH_ROWS", "MIN_SHARED_PREFIX",
           "Batch", "batch_overhead_for", "TruncationError", "fed_tokens", "pack_rows",
           "padding_fraction", "plan_batches", "plan_scoring", "shared_prefix_groups", "truncate"]


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


BATCH_OVERHEAD_TOKENS = 32
"""What one more forward pass costs on a CPU, in tokens' worth of compute: the price
:func:`plan_batches` weighs against padding. Measured by ``benchmarks/scoring.py`` (a pass's
fixed time over its time per token, fitted on short passes of the benchmark's model)."""

ACCELERATOR_BATCH_OVERHEAD_TOKENS = 256
"""The same on a GPU, where a pass is bound by reading the weights until it holds about as many
tokens as the chip's FLOP/s per byte/s (~300 for bf16 on an H100): an estimate from those
published figures, not measured here (no GPU was available)."""

MAX_BATCH_OVERHEAD = 1_000_000
"""The largest per-pass overhead accepted (costs stay finite and exact in float64)."""

MAX_BATCH_ROWS = 1024
"""The most rows in one batch, however short they are (keeps the planning linear in the rows)."""


def batch_overhead_for(device: object) -> int:
    """The per-pass overhead for a model on ``device`` (a torch device or its name)."""
    kind = str(getattr(device, "type", device) or "cpu")
    return BATCH_OVERHEAD_TOKENS if kind.startswith("cpu") else ACCELERATOR_BATCH_OVERHEAD_TOKENS


def plan_batches(lengths: Sequence[int], batch_tokens: int, max_padding: float = 0.05, *,
                 batch_overhead: float = BATCH_OVERHEAD_TOKENS, fixed: int = 0) -> list[np.ndarray]:
    """Group sequences, longest first, so that rows × longest row stays within ``batch_tokens``.

    Among the ways of cutting the length-sorted rows into batches, this takes the one with the
    least cost, counted as tokens fed (padding included) plus ``batch_overhead`` per batch, under
    two rules: no batch over the budget (a sequence longer than the budget gets a batch of its
    own; ``fixed`` tokens more per row count toward the budget only, as a shared prefix every row
    attends to) and no batch padding more than ``max_padding`` of what it feeds. At most
    :data:`MAX_BATCH_ROWS` rows go in a batch. Returns arrays of positions into ``lengths``,
    longest batches first.

    >>> [b.tolist() for b in plan_batches([3, 9, 4, 8], 16)]
    [[1], [3], [2], [0]]
    >>> [b.tolist() for b in plan_batches([3, 9, 4, 8], 16, max_padding=0.5)]
    [[1], [3], [2, 0]]
    >>> [b.tolist() for b in plan_batches([3, 9, 4, 8], 16, max_padding=0.5, batch_overhead=0)]
    [[1], [3], [2], [0]]
    """
    if isinstance(batch_overhead, bool) or not 0 <= batch_overhead <= MAX_BATCH_OVERHEAD:
        raise ConfigError(f"batch_overhead must be a number of tokens from 0 to {MAX_BATCH_OVERHEAD:,}, "
                          f"got {batch_overhead!r}")
    size = len(lengths)
    if size == 0:
        return []
    values = np.maximum(np.asarray(lengths, dtype=np.int64), 1)
    order = np.argsort(-values, kind="stable")
    ordered = values[order]
    real = np.concatenate([[0], np.cumsum(ordered)])  # real tokens of rows [0, j)
    best = np.full(size + 1, np.inf)
    best[0] = 0.0
    cut = np.zeros(size + 1, dtype=np.int64)  # where the last batch of rows [0, j) starts
    for start in range(size):  # every batch is a run [start, end) of the sorted rows
        longest = int(ordered[start])
        last = min(size, start + min(MAX_BATCH_ROWS, max(1, batch_tokens // (longest + fixed))))
        ends = np.arange(start + 1, last + 1)
        fed = (ends - start) * longest
        allowed = (ends == start + 1) | (real[ends] - real[start] >= (1.0 - max_padding) * fed - 1e-9)
        ends, fed = ends[allowed], fed[allowed]  # padding only grows along the sorted rows
        cost = best[start] + fed + batch_overhead
        better = cost < best[ends]
        best[ends[better]] = cost[better]
        cut[ends[better]] = start
    bounds = [size]
    while bounds[-1] > 0:
        bounds.append(int(cut[bounds[-1]]))
    bounds.reverse()
    return [order[a:b] for a, b in zip(bounds, bounds[1:])]


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


def pack_rows(lengths: Sequence[int], batch_tokens: int) -> list[np.ndarray]:
    """Rows packed end to end, longest first, into runs of at most ``batch_tokens`` tokens (a row
    longer than that alone): batches for a model that runs packed rows, where nothing is padded.

    >>> [b.tolist() for b in pack_rows([3, 9, 4, 8], 16)]
    [[1], [3, 2, 0]]
    """
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    batches: list[np.ndarray] = []
    start, filled = 0, 0
    for end, row in enumerate(order):
        if end > start and filled + int(lengths[row]) > batch_tokens:
            batches.append(order[start:end])
            start, filled = end, 0
        filled += int(lengths[row])
    if start < len(order):
        batches.append(order[start:])
    return batches


@dataclass(frozen=True)
class Batch:
    """One forward pass of the scoring plan: positions into the rows, and how they run."""

    rows: np.ndarray
    prefix: int = 0  # tokens shared by every row (0: none), computed once per group
    group: int = -1  # which prefix group (its buckets reuse one prefix state)
    buckets: int = 1  # how many batches the group was cut into
    packed: bool = False  # rows end to end in one unpadded row


def plan_scoring(lengths: Sequence[int], groups: Sequence[tuple[int, np.ndarray]], alone: Sequence[int],
                 batch_tokens: int, *, packed: bool = False, batch_overhead: float = BATCH_OVERHEAD_TOKENS,
                 bucket_groups: bool = True) -> tuple[list[Batch], int]:
    """The forward passes that score every row, and the tokens they feed (padding included).

    A prefix group's rows are cut by the length of their own part into buckets at the least cost
    (no padding cap: two answers of 60 and 50 tokens share a pass rather than pay a second one),
    so a bucket pads only to its longest suffix and the prefix is still computed once; a bucket's rows × (prefix +
    longest suffix) stay within the budget, as each row holds the prefix's key/value cache. The
    other rows go in length-bucketed batches, or packed when ``packed``. Without
    ``bucket_groups`` (a backend that cannot hold a prefix's state) each bucket computes the
    prefix again, and is counted so.

    >>> plan, fed = plan_scoring([20, 40, 5], [(16, np.array([0, 1]))], [2], 64)
    >>> [(b.rows.tolist(), b.prefix) for b in plan], fed
    ([([1], 16), ([0], 16), ([2], 0)], 49)
    >>> [len(b.rows) for b in plan_scoring([20] * 8, [(16, np.arange(8))], [], 64)[0]]  # 3 × (16 + 4) <= 64
    [2, 3, 3]
    """
    work: list[Batch] = []
    fed = 0
    for number, (prefix, rows) in enumerate(groups):
        own = [int(lengths[i]) - prefix for i in rows]
        # no padding cap: a bucket more costs a pass (and, without a held state, the prefix again)
        buckets = plan_batches(own, batch_tokens, 1.0, fixed=prefix,
                               batch_overhead=batch_overhead + (0 if bucket_groups else prefix))
        work += [Batch(rows[b], prefix, number, len(buckets)) for b in buckets]
        fed += prefix * (1 if bucket_groups else len(buckets)) + fed_tokens(own, buckets)
    alone_lengths = [int(lengths[i]) for i in alone]
    positions = np.asarray(alone, dtype=np.int64)
    if packed:
        batches = pack_rows(alone_lengths, batch_tokens)
        fed += sum(alone_lengths)
    else:
        batches = plan_batches(alone_lengths, batch_tokens, batch_overhead=batch_overhead)
        fed += fed_tokens(alone_lengths, batches)
    work += [Batch(positions[b], packed=packed) for b in batches]
    return work, fed
