"""Judge throughput: preftree's async client against a sequential loop like RLHFlow's, one run.

A local chat-completions server (``preftree.judges.local_server``, its own process) answers every
request after a fixed latency (200 ms by default). preftree's OpenAI backend runs at concurrency
1, 8, 32 and 128; the baseline posts one request at a time, as RLHFlow's collection script does.
Target: ≥ 0.8 × concurrency / latency requests per second up to 128 (≥ 20× the loop at 32), with
memory flat in the number of requests.

    python benchmarks/judges.py [--latency 0.2] [--requests-per-slot 10]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import httpx

from preftree.judges.local_server import served_in_another_process
from preftree.judges.openai_backend import OpenAIBackend, OpenAIOptions
from preftree.judges.prompt import JudgePrompt
from preftree.judges.records import JudgeRequest


def _requests(n: int) -> list[JudgeRequest]:
    prompt = JudgePrompt()
    return [JudgeRequest(f"p{i}", "orig", prompt.render(f"Question {i}?", "short", "a longer answer"))
            for i in range(n)]


def preftree_rate(url: str, concurrency: int, n: int) -> float:
    backend = OpenAIBackend(OpenAIOptions(model="bench", base_url=url, concurrency=concurrency))
    done = []
    started = time.perf_counter()
    backend.run(iter(_requests(n)), done.append)
    elapsed = time.perf_counter() - started
    assert len(done) == n and all(r.error is None for r in done)
    return n / elapsed


def sequential_rate(url: str, n: int) -> float:
    requests = _requests(n)
    started = time.perf_counter()
    with httpx.Client(base_url=url + "/") as client:
        for request in requests:
            reply = client.post("chat/completions", json={"model": "bench", "messages": request.messages,
                                                          "temperature": 0, "max_tokens": 16})
            reply.raise_for_status()
    return n / (time.perf_counter() - started)


def peak_memory(url: str, n: int) -> float:
    """Peak traced memory (MiB) of the request machinery for ``n`` lazily generated requests."""
    prompt = JudgePrompt()
    backend = OpenAIBackend(OpenAIOptions(model="bench", base_url=url, concurrency=128))
    generated = (JudgeRequest(f"p{i}", "orig", prompt.render(f"Q{i}?", "a", "b")) for i in range(n))
    tracemalloc.start()
    backend.run(generated, lambda result: None)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--requests-per-slot", type=int, default=10)
    args = parser.parse_args()
    with served_in_another_process(latency=args.latency) as url:
        sequential = sequential_rate(url, 25)
        print(f"local server, {args.latency * 1000:.0f} ms per request; sequential loop: "
              f"{sequential:.2f} requests/s")
        print(f"{'concurrency':>11}{'requests':>10}{'req/s':>9}{'ideal':>8}{'of ideal':>10}{'vs loop':>9}")
        for concurrency in (1, 8, 32, 128):
            n = max(25, args.requests_per_slot * concurrency)
            rate = preftree_rate(url, concurrency, n)
            ideal = concurrency / args.latency
            print(f"{concurrency:>11}{n:>10}{rate:>9.1f}{ideal:>8.0f}{rate / ideal:>10.2f}"
                  f"{rate / sequential:>8.1f}x")
        small, large = peak_memory(url, 1000), peak_memory(url, 4000)
        print(f"peak memory of the request machinery: {small:.1f} MiB for 1,000 requests, "
              f"{large:.1f} MiB for 4,000 ({large / small:.2f}x)")


if __name__ == "__main__":
    main()
