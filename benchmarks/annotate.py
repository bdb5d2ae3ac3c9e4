"""Trait annotation throughput against a local server, one run: ``preftree annotate``'s path
(``judges.annotate.annotate_traits``) over the offline rule server (its own process, a fixed
latency per request), with every trait in one request against one trait per request, and at
concurrency 1 against 16. Printed side by side as pairs per second and as ratios, never as a
target in a test.

    python benchmarks/annotate.py [--pairs 40] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
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
