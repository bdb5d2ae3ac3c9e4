"""HTTP with retries, shared by every client preftree has (LLM judges, the vLLM scoring server):
``Retry-After`` honoured up to a cap, exponential backoff with full jitter otherwise, a fair rate
limiter, and the statuses worth retrying. Infrastructure below the feature packages: it imports
nothing of theirs."""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import math
import random
import time
from collections.abc import Callable
from typing import Any

import httpx

__all__ = ["RETRY_STATUS", "RateLimiter", "post_with_retries", "retry_delay"]

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}
"""Statuses a request is retried on: timeouts, conflicts, rate limits and server errors."""


def _retry_after_seconds(value: str) -> float | None:
    """``Retry-After`` as seconds (a number, or an HTTP date); ``None`` when it is neither."""
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if parsed is None:
            return None
        if parsed.tzinfo is None:  # an HTTP date is GMT; a naive one would compare as local time
            parsed = parsed.replace(tzinfo=datetime.timezone.utc)
        seconds = parsed.timestamp() - time.time()
    return None if math.isnan(seconds) else max(0.0, seconds)


def retry_delay(attempt: int, retry_after: str | None, base: float, cap: float,
                rng: random.Random) -> float:
    """Seconds to wait before retry ``attempt`` (1-based), never more than ``cap``: the server's
    ``Retry-After`` when it is seconds or an HTTP date, else exponential backoff with full jitter
    (an unparsable ``Retry-After`` falls back to backoff).

    >>> retry_delay(3, "7", 1.0, 60.0, random.Random(0))
    7.0
    >>> retry_delay(3, "100000", 1.0, 60.0, random.Random(0)), retry_delay(3, "inf", 1.0, 5.0, random.Random(0))
    (60.0, 5.0)
    >>> 0.0 <= retry_delay(3, "soon", 1.0, 60.0, random.Random(0)) <= 4.0
    True
    """
    seconds = _retry_after_seconds(retry_after.strip()) if retry_after else None
    if seconds is None:
        seconds = rng.uniform(0.0, base * 2 ** min(attempt - 1, 30))
    return min(cap, seconds)


class RateLimiter:
    """Spaces request starts at least ``60 / rpm`` seconds apart.

    The gap is measured from when the previous request really started, not from a precomputed
    schedule, so a stalled event loop (a long GC pause, a slow callback) cannot release several
    waiting requests at once. Waiters queue on a fair lock and start one at a time.
    """

    def __init__(self, rpm: float | None) -> None:
        self.interval = 0.0 if not rpm else 60.0 / rpm
        self._last = -float("inf")
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if self.interval == 0.0:
            return
        async with self._lock:
            delay = self._last + self.interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._last = time.monotonic()


async def post_with_retries(client: httpx.AsyncClient, path: str, body: dict[str, Any], *,
                            retries: int, timeout_s: float, backoff_s: float, max_wait_s: float,
                            rng: random.Random, scrub: Callable[[str], str] = str,
                            limiter: RateLimiter | None = None,
                            on_wait: Callable[[float, str], None] | None = None
                            ) -> tuple[httpx.Response | None, str, int]:
    """POST ``body`` until it succeeds: retries on timeouts, transport errors and
    :data:`RETRY_STATUS`, each pause capped by ``max_wait_s`` (``Retry-After`` honoured up to it).
    Returns the 200 response (or ``None``), the last error in words (scrubbed) and the attempts."""
    error, attempt = "no attempt", 0
    for attempt in range(1, retries + 2):
        if limiter is not None:
            await limiter.wait()
        retry_after = None
        try:
            response = await client.post(path, json=body)
        except httpx.TimeoutException:
            error = f"timeout after {timeout_s:g} s"
        except httpx.TransportError as exc:
            error = f"{type(exc).__name__}: {scrub(str(exc))}"
        else:
            if response.status_code == 200:
                return response, "", attempt
            error = f"HTTP {response.status_code}: {scrub(response.text)[:300]}"
            if response.status_code not in RETRY_STATUS:
                break
            retry_after = response.headers.get("retry-after")
        if attempt <= retries:
            delay = retry_delay(attempt, retry_after, backoff_s, max_wait_s, rng)
            if on_wait is not None and delay >= 1.0:
                on_wait(delay, error[:40])
            await asyncio.sleep(delay)
    return None, error, attempt
