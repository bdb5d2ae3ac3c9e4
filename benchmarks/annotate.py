"""Trait annotation throughput against a local server, one run: ``preftree annotate``'s path
(``judges.annotate.annotate_traits``) over the offline rule server (its own process, a fixed
latency per request), with every trait in one request against one trait per request, and at
concurrency 1 against 16. Printed side by side as pairs per second and as ratios, never as a
target in a test.

    python benchmarks/annotate.py [--pairs 40] [--latency 0.05]

``--bookkeeping`` measures what ``annotate`` spends per request beyond the request itself (issue
32: "no per-request Python overhead beyond the request"): against the same server answering at
once, ``annotate_traits`` (prompts built, requests journaled, replies parsed and checked, results
kept) beside a bare client that replays the very request bodies annotate sent (recorded on the
way) through httpx with the same workers and connections, and reads each reply as JSON. The
difference per request is the bookkeeping.

    python benchmarks/annotate.py --bookkeeping [--pairs 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from preftree.data.model import Pair, PairSet
from preftree.features.traits import DEFAULT_TRAITS
from preftree.judges.annotate import annotate_traits
from preftree.judges.local_server import served_in_another_process
from preftree.judges.openai_backend import OpenAIBackend, OpenAIOptions


def _pairs(n: int, tag: str) -> PairSet:
    return PairSet([Pair(f"{tag}{i}", f"Question {i}?", "A short answer." + " word" * (i % 7),
                         "A longer answer with a list:\n- one\n- two\nAnything else?") for i in range(n)])


def rate(url: str, n: int, concurrency: int, per_request: int | None, tag: str) -> tuple[float, int]:
    backend = OpenAIBackend(OpenAIOptions(model="rules", base_url=url, api_key_env="none",
                                          concurrency=concurrency, max_tokens=512))
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        run = annotate_traits(_pairs(n, tag), backend, list(DEFAULT_TRAITS), journal=Path(folder) / "j.jsonl",
                              annotator="rules", traits_per_request=per_request, progress=False)
        elapsed = time.perf_counter() - started
    return n / elapsed, run.n_requests


class _Recording(httpx.AsyncHTTPTransport):
    """httpx's own transport, keeping each request's URL and body for the bare replay."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, bytes]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((str(request.url), request.content))
        return await super().handle_async_request(request)


async def _replay(sent: list[tuple[str, bytes]], concurrency: int) -> None:
    """The recorded requests, as ``concurrency`` workers of one keep-alive connection each."""
    pending = iter(sent)

    async def worker() -> None:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=60) as client:
            for url, body in pending:
                reply = await client.post(url, content=body, headers={"Content-Type": "application/json"})
                json.loads(reply.content)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def bookkeeping(url: str, n: int, concurrency: int) -> dict[str, Any]:
    """``annotate_traits`` on ``n`` pairs (every trait in one request) and the bare replay of its
    requests, each timed; the bare replay runs second, on warm connections to a warm server."""
    recording = _Recording()
    backend = OpenAIBackend(OpenAIOptions(model="rules", base_url=url, api_key_env="none", concurrency=concurrency,
                                          max_tokens=512), transport=recording)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        run = annotate_traits(_pairs(n, f"b{concurrency}-"), backend, list(DEFAULT_TRAITS),
                              journal=Path(folder) / "j.jsonl", annotator="rules", progress=False)
        annotate_s = time.perf_counter() - started
    started = time.perf_counter()
    asyncio.run(_replay(recording.sent, concurrency))
    bare_s = time.perf_counter() - started
    return {"requests": run.n_requests, "annotate_s": annotate_s, "bare_s": bare_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=None, help="default 40, or 2000 with --bookkeeping")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--bookkeeping", action="store_true",
                        help="annotate against a bare replay of its own requests, the server answering at once")
    args = parser.parse_args()
    if args.bookkeeping:
        n = args.pairs or 2000
        with served_in_another_process(latency=0.0, mode="traits") as url:
            print(f"{len(DEFAULT_TRAITS)} traits in one request per pair, {n} pairs, server answering at once")
            print(f"{'concurrency':>11} {'requests':>9} {'annotate s':>11} {'bare replay s':>14} "
                  f"{'annotate / bare':>16} {'bookkeeping per request':>24}")
            for concurrency in (1, 16):
                m = bookkeeping(url, n, concurrency)
                extra = (m["annotate_s"] - m["bare_s"]) / m["requests"] * 1e6
                print(f"{concurrency:>11} {m['requests']:>9} {m['annotate_s']:>11.2f} {m['bare_s']:>14.2f} "
                      f"{m['annotate_s'] / m['bare_s']:>15.2f}x {extra:>21.0f} µs")
        return
    args.pairs = args.pairs or 40
    with served_in_another_process(latency=args.latency, mode="traits") as url:
        rows = []
        for concurrency in (1, 16):
            for per_request in (None, 1):
                pairs_per_s, requests = rate(url, args.pairs, concurrency, per_request,
                                             f"c{concurrency}k{per_request}-")
                rows.append((concurrency, "all" if per_request is None else "1", requests, pairs_per_s))
        base = rows[0][3]
        print(f"{len(DEFAULT_TRAITS)} traits, {args.pairs} pairs, {args.latency * 1000:.0f} ms per request")
        print(f"{'concurrency':>11} {'traits/request':>15} {'requests':>9} {'pairs/s':>9} {'vs first row':>13}")
        for concurrency, per, requests, pairs_per_s in rows:
            print(f"{concurrency:>11} {per:>15} {requests:>9} {pairs_per_s:>9.2f} {pairs_per_s / base:>12.2f}x")


if __name__ == "__main__":
    main()
