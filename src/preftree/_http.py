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

__all__ = ["MAX_REPLY_BYTES", "RETRY_STATUS", "RateLimiter", "post_with_retries", "retry_delay"]

MAX_REPLY_BYTES = 16 << 20
"""Largest reply body read by default (bytes): a bigger one is an error, never held whole."""


LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def check_base_url(url: str, option: str = "--base-url") -> str:
    """``url`` if it is an http(s) URL with a host and a valid port; else a :class:`ConfigError`
    (bad input, exit 2) that says so."""
    from urllib.parse import urlsplit

    from .errors import ConfigError

    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError for a port out of range or not a number
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise ConfigError(f"{option} {url!r} is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{option} {url!r}: expected http(s)://HOST[:PORT]/PATH")
    if port == 0:
        raise ConfigError(f"{option} {url!r}: port 0 is no server's port")
    return url


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (localhost, 127.0.0.0/8, ::1)."""
    import ipaddress

    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_WARNED: set[tuple[str, str]] = set()


def warn_plain_http_key(url: str, key_env: str) -> None:
    """Say once per (host, variable) when an API key is about to go over plain http to another
    machine: anyone on the way can read it."""
    import sys
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "http" and not is_loopback(host) and (host, key_env) not in _WARNED:
        _WARNED.add((host, key_env))
        print(f"preftree: warning: the API key in ${key_env} is sent over plain http to {host}; use "
              "https, or --api-key-env none for a server that needs no key", file=sys.stderr)


class ReplyTooLarge(Exception):
    """A reply body over the caller's limit (read no further)."""

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


async def _post_once(client: httpx.AsyncClient, path: str, body: dict[str, Any], max_bytes: int) -> httpx.Response:
    """One POST, its body read raw in chunks and refused past ``max_bytes`` (a ``Content-Length``
    over it before the body is read), then inflated, if the server compressed it anyway, by a
    decoder that stops at ``max_bytes`` too: a gzip bomb never unpacks."""
    async with client.stream("POST", path, json=body, headers={"Accept-Encoding": "identity"}) as streamed:
        declared = streamed.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise ReplyTooLarge
        chunks, size = [], 0
        async for chunk in streamed.aiter_raw():
            size += len(chunk)
            if size > max_bytes:
                raise ReplyTooLarge
            chunks.append(chunk)
        content = _inflate(b"".join(chunks), streamed.headers.get("content-encoding", ""), max_bytes)
        headers = [(k, v) for k, v in streamed.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(streamed.status_code, headers=headers, content=content, request=streamed.request)


def _inflate(data: bytes, encoding: str, max_bytes: int) -> bytes:
    """``data`` decoded as its ``Content-Encoding`` says (identity, gzip or deflate), never past
    ``max_bytes``; any other encoding is refused (preftree asked for none)."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip() and c.strip().lower() != "identity"]
    for coding in reversed(codings):
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise httpx.DecodingError(f"the server compressed its reply with {coding!r}, which preftree does not read")
        data = _inflate_all(data, coding, max_bytes)
    return data


def _inflate_all(data: bytes, coding: str, max_bytes: int) -> bytes:
    """Every member of a gzip (or the deflate stream), each complete, at most ``max_bytes`` in all;
    a cut or damaged stream is a :class:`httpx.DecodingError` (retried), never a partial body."""
    import zlib

    wbits = [zlib.MAX_WBITS | 32] if coding != "deflate" else [zlib.MAX_WBITS, -zlib.MAX_WBITS]
    for bits in wbits:  # deflate: zlib-wrapped, else raw, as some servers send it
        out, rest = b"", data
        try:
            while rest:
                decoder = zlib.decompressobj(bits)
                out += decoder.decompress(rest, max_bytes + 1 - len(out))
                if len(out) > max_bytes or decoder.unconsumed_tail:
                    raise ReplyTooLarge
                if not decoder.eof:
                    raise httpx.DecodingError(f"the reply's {coding} stream is cut short")
                rest = decoder.unused_data.lstrip(b"\0")
            return out
        except zlib.error:
            continue
    raise httpx.DecodingError(f"the reply is not valid {coding}")


async def post_with_retries(client: httpx.AsyncClient, path: str, body: dict[str, Any], *,
                            retries: int, timeout_s: float, backoff_s: float, max_wait_s: float,
                            rng: random.Random, scrub: Callable[[str], str] = str,
                            limiter: RateLimiter | None = None,
                            on_wait: Callable[[float, str], None] | None = None,
                            max_bytes: int = MAX_REPLY_BYTES
                            ) -> tuple[httpx.Response | None, str, int]:
    """POST ``body`` until it succeeds: retries on timeouts, transport errors and
    :data:`RETRY_STATUS`, each pause capped by ``max_wait_s`` (``Retry-After`` honoured up to it).
    ``timeout_s`` bounds each attempt as a whole (a server trickling a byte at a time cannot hold
    it open); a reply over ``max_bytes`` is an error, not retried and never held whole.
    Returns the 200 response (or ``None``), the last error in words (scrubbed) and the attempts."""
    error, attempt = "no attempt", 0
    for attempt in range(1, retries + 2):
        if limiter is not None:
            await limiter.wait()
        retry_after = None
        try:
            response = await asyncio.wait_for(_post_once(client, path, body, max_bytes), timeout_s)
        except (httpx.TimeoutException, asyncio.TimeoutError):
            error = f"timeout after {timeout_s:g} s"
        except ReplyTooLarge:
            return None, f"reply larger than {max_bytes:,} bytes (--max-reply-bytes); not read", attempt
        except (httpx.TransportError, httpx.DecodingError) as exc:
            error = f"{type(exc).__name__}: {scrub(str(exc))}"
        else:
            if response.status_code == 200:
                return response, "", attempt
            error = f"HTTP {response.status_code}: {scrub(response.text[:2000])[:300]}"
            if response.status_code not in RETRY_STATUS:
                break
            retry_after = response.headers.get("retry-after")
        if attempt <= retries:
            delay = retry_delay(attempt, retry_after, backoff_s, max_wait_s, rng)
            if on_wait is not None and delay >= 1.0:
                on_wait(delay, error[:40])
            await asyncio.sleep(delay)
    return None, error, attempt
