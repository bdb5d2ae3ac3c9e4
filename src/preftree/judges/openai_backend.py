"""The ``openai`` backend: the chat-completions wire format (OpenAI, vLLM's server, Together,
Ollama and most gateways), asked concurrently with retries, backoff and an optional rate limit.

The API key is read from an environment variable when the backend is built and only ever placed
in the ``Authorization`` header; every error text recorded is scrubbed of it.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from .._async import run_sync
from .._http import RateLimiter, post_with_retries, retry_delay
from .._redact import scrub_secret
from ..errors import ConfigError, InputError
from .parse import parse_verdict
from .records import JudgeRequest, JudgeResult
from .settings import JudgeSettings

__all__ = ["OpenAIBackend", "OpenAIOptions", "RateLimiter", "post_with_retries", "retry_delay"]

OPENAI_URL = "https://api.openai.com/v1"


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
    max_reply_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        from .._http import check_base_url

        check_base_url(self.base_url)
        if not self.timeout_s > 0 or not math.isfinite(self.timeout_s):
            raise ConfigError(f"timeout_s (--timeout) must be a positive number of seconds, got "
                              f"{self.timeout_s!r}")
        if not self.max_wait_s >= 0 or not math.isfinite(self.max_wait_s):
            raise ConfigError(f"max_wait_s (--max-wait) must be a finite number of seconds >= 0, "
                              f"got {self.max_wait_s!r}")
        if self.concurrency < 1:
            raise ConfigError(f"concurrency (--concurrency) must be at least 1, got {self.concurrency!r}")


NO_KEY = ("none", "")
"""``--api-key-env`` values that send no key."""


def _api_key(name: str) -> str | None:
    """The key in the environment variable ``name``; none for ``--api-key-env none``."""
    if name.strip().lower() in NO_KEY:
        return None
    if not name.replace("_", "").isalnum() or name[0].isdigit():
        raise ConfigError(f"--api-key-env {name!r} is not an environment variable name (or 'none')")
    return os.environ.get(name) or None


class OpenAIBackend:
    """Asks a chat-completions endpoint; ``transport`` is injectable (an httpx transport)."""

    name = "openai"

    def __init__(self, options: OpenAIOptions, *, transport: httpx.AsyncBaseTransport | None = None,
                 seed: int = 0) -> None:
        self.options = options
        key = _api_key(options.api_key_env)
        if not key and options.base_url.rstrip("/") == OPENAI_URL:
            raise InputError(f"no API key: set the environment variable {options.api_key_env} "
                             "(or name another with --api-key-env)")
        self._key = key or None
        if self._key:
            from .._http import warn_plain_http_key

            warn_plain_http_key(options.base_url, options.api_key_env)
        self._transport = transport
        self._rng = random.Random(seed)
        self._on_wait: Callable[[float, str], None] | None = None

    @classmethod
    def from_settings(cls, model: str, settings: JudgeSettings) -> OpenAIBackend:
        """The backend a command's :class:`JudgeSettings` describe (how every judge backend,
        built-in or plug-in, is built)."""
        return cls(OpenAIOptions(
            model=model, base_url=settings.base_url, api_key_env=settings.api_key_env,
            temperature=settings.temperature, max_tokens=settings.max_tokens,
            concurrency=settings.concurrency, rpm=settings.rpm, timeout_s=settings.timeout_s,
            max_retries=settings.max_retries, max_wait_s=settings.max_wait_s,
            max_reply_bytes=settings.max_reply_bytes))

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
            limiter=limiter, on_wait=self._on_wait, max_bytes=o.max_reply_bytes)
        if response is not None:
            return self._result(request, response, started, attempt)
        return JudgeResult(request.pair_id, request.order, None, None, f"api: {error}",
                           time.perf_counter() - started, attempts=attempt)

    def _result(self, request: JudgeRequest, response: httpx.Response, started: float,
                attempt: int) -> JudgeResult:
        try:
            data = response.json()
            text = data["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError, RecursionError):
            return JudgeResult(request.pair_id, request.order, None, None,
                               f"api: malformed response: {self._scrub(response.text[:2000])[:300]}",
                               time.perf_counter() - started, attempts=attempt)
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        if not isinstance(text, str):
            return JudgeResult(request.pair_id, request.order, None, None,
                               f"api: malformed response: content is {type(text).__name__}",
                               time.perf_counter() - started, attempts=attempt)
        text = self._scrub(text)  # a key echoed back by a misbehaving server is never written
        return JudgeResult(request.pair_id, request.order, text, parse_verdict(text), None,
                           time.perf_counter() - started, usage.get("prompt_tokens"),
                           usage.get("completion_tokens"), attempts=attempt).checked(self._scrub)
