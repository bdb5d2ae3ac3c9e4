"""The ``openai`` backend: the chat-completions wire format (OpenAI, vLLM's server, Together,
Ollama and most gateways), asked concurrently with retries, backoff and an optional rate limit.

The API key is read from an environment variable when the backend is built and only ever placed
in the ``Authorization`` header; every error text recorded is scrubbed of it.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import math
import os
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from .._async import run_sync
from .._redact import scrub_secret
from ..errors import ConfigError, InputError
from .parse import parse_verdict
from .records import JudgeRequest, JudgeResult

__all__ = ["OpenAIBackend", "OpenAIOptions", "RateLimiter", "post_with_retries", "retry_delay"]

OPENAI_URL = "https://api.openai.com/v1"
RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class OpenAIOptions:
    """Request settings; ``rpm`` caps requests per minute (``None``: no cap)."""

    model: str
    base_url: str = OPENAI_URL
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = 0.0
    max_tokens: int = 16
    concurrency: int = 16
    rpm: float | None = None
    timeout_s: float = 60.0
    max_retries: int = 6
    backoff_s: float = 1.0
    max_wait_s: float = 60.0

    def __post_init__(self) -> None:
        if not self.timeout_s > 0 or not math.isfinite(self.timeout_s):
            raise ConfigError(f"timeout_s (--timeout) must be a positive number of seconds, got "
                              f"{self.timeout_s!r}")
        if not self.max_wait_s >= 0 or not math.isfinite(self.max_wait_s):
            raise ConfigError(f"max_wait_s (--max-wait) must be a finite number of seconds >= 0, "
                              f"got {self.max_wait_s!r}")
        if self.concurrency < 1:
            raise ConfigError(f"concurrency (--concurrency) must be at least 1, got {self.concurrency!r}")


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


class OpenAIBackend:
    """Asks a chat-completions endpoint; ``transport`` is injectable (an httpx transport)."""

    name = "openai"

    def __init__(self, options: OpenAIOptions, *, transport: httpx.AsyncBaseTransport | None = None,
                 seed: int = 0) -> None:
        self.options = options
        key = os.environ.get(options.api_key_env)
        if not key and options.base_url.rstrip("/") == OPENAI_URL:
            raise InputError(f"no API key: set the environment variable {options.api_key_env} "
                             "(or name another with --api-key-env)")
        self._key = key or None
        self._transport = transport
        self._rng = random.Random(seed)
        self._on_wait: Callable[[float, str], None] | None = None

    def describe(self) -> dict[str, Any]:
        """What makes a verdict this judge's (the endpoint URL may change between runs)."""
        o = self.options
        return {"backend": self.name, "model": o.model, "temperature": o.temperature,
                "max_tokens": o.max_tokens}

    def _scrub(self, text: str) -> str:
        return scrub_secret(text, self._key)  # whole or in part (8+ characters of the key)

    def run(self, requests: Iterable[JudgeRequest], on_result: Callable[[JudgeResult], None],
            on_wait: Callable[[float, str], None] | None = None) -> None:
        """Answer every request with at most ``concurrency`` in flight; results arrive as they
        finish; ``on_wait(seconds, reason)`` hears of every retry pause before it starts."""
        self._on_wait = on_wait
        run_sync(self._run(requests, on_result))  # also from inside a running loop (Jupyter)

    async def _run(self, requests: Iterable[JudgeRequest], on_result: Callable[[JudgeResult], None]) -> None:
        headers = {"Content-Type": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        limiter = RateLimiter(self.options.rpm)
        iterator = iter(requests)
        tls = httpx.create_ssl_context()  # built once: each costs ~20 ms of certificate loading

        async def worker() -> None:
            # One keep-alive connection per worker: httpcore's shared pool does work that grows
            # with (waiting requests × connections), which dominates at concurrency ≥ 32.
            async with httpx.AsyncClient(base_url=self.options.base_url.rstrip("/") + "/",
                                         headers=headers, transport=self._transport, verify=tls,
                                         limits=httpx.Limits(max_connections=1),
                                         timeout=self.options.timeout_s) as client:
                for request in iterator:  # workers share one lazy iterator: memory stays flat
                    on_result(await self._ask(client, limiter, request))

        await asyncio.gather(*(worker() for _ in range(self.options.concurrency)))

    async def _ask(self, client: httpx.AsyncClient, limiter: RateLimiter,
                   request: JudgeRequest) -> JudgeResult:
        o = self.options
        body = {"model": o.model, "messages": request.messages, "temperature": o.temperature,
                "max_tokens": o.max_tokens}
        started = time.perf_counter()
        response, error, attempt = await post_with_retries(
            client, "chat/completions", body, retries=o.max_retries, timeout_s=o.timeout_s,
            backoff_s=o.backoff_s, max_wait_s=o.max_wait_s, rng=self._rng, scrub=self._scrub,
            limiter=limiter, on_wait=self._on_wait)
        if response is not None:
            return self._result(request, response, started, attempt)
        return JudgeResult(request.pair_id, request.order, None, None, f"api: {error}",
                           time.perf_counter() - started, attempts=attempt)

    def _result(self, request: JudgeRequest, response: httpx.Response, started: float,
                attempt: int) -> JudgeResult:
        try:
            data = response.json()
            text = data["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            return JudgeResult(request.pair_id, request.order, None, None,
                               f"api: malformed response: {self._scrub(response.text)[:300]}",
                               time.perf_counter() - started, attempts=attempt)
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        if not isinstance(text, str):
            return JudgeResult(request.pair_id, request.order, None, None,
                               f"api: malformed response: content is {type(text).__name__}",
                               time.perf_counter() - started, attempts=attempt)
        text = self._scrub(text)  # a key echoed back by a misbehaving server is never written
        return JudgeResult(request.pair_id, request.order, text, parse_verdict(text), None,
                           time.perf_counter() - started, usage.get("prompt_tokens"),
                           usage.get("completion_tokens"), attempts=attempt)
