"""A small chat-completions server on a local socket: a stand-in judge for offline trials, tests
and benchmarks. It speaks the OpenAI wire format over real HTTP, answers like a judge that prefers
the longer response (or always "A"; ``mode="longer-brackets"`` answers MT-Bench-style with a
final ``[[A]]``/``[[B]]``/``[[C]]``; ``mode="markdown"`` prefers the response with more markdown
headers, list items and bold spans, MT-Bench-style, ``[[C]]`` on a tie), and can be told to add latency, fail with 429/500 (with
``Retry-After``) or stall past the client's timeout on the first attempts of each request.

    with LocalJudgeServer(latency=0.2) as server:
        ... preftree judge --base-url server.url ...

From a shell (try ``preftree judge`` or ``preftree probe`` with no API)::

    python -m preftree.judges.local_server --rule longer-brackets --port 8000
    preftree probe --pairs pairs.jsonl --judge-model local --base-url http://127.0.0.1:8000/v1 ...
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["RULES", "Faults", "LocalJudgeServer", "main", "served_in_another_process"]

RULES = {
    "longer": "prefers the longer response; answers 'A is the better response' (preftree's default template)",
    "longer-brackets": "prefers the longer response; answers MT-Bench-style with [[A]] / [[B]] / [[C]] on equal length",
    "markdown": "prefers the response with more markdown (headers, list items, bold); [[C]] on a tie",
    "first": "always answers A (a judge with pure position bias)",
    "traits": "answers trait questions (preftree annotate) by the documented rule of each default trait "
              "(preftree.features.traits.RULE_DESCRIPTIONS); 'neither' (C) for a trait with no rule",
    "traits-first": "answers A to every trait question (pure position bias: every value inconsistent)",
    "traits-half": "answers only the first half of the trait questions (a malformed answer)",
}


@dataclass
class Faults:
    """Failures for the first attempts of every distinct request (by content)."""

    status: int | None = None      # e.g. 429 or 500 for the first ``times`` attempts
    times: int = 1
    retry_after: str | None = None
    stall_s: float = 0.0           # sleep this long before answering the first ``stall_times``
    stall_times: int = 0
    echo_auth: bool = False        # put the Authorization header in the error body (leak probe)
    echo_auth_in_answer: bool = False  # ...or in the completion itself (a server that lies)
    echo_offset: int = 0           # filler before the echoed header (a key straddling a cut)
    echo_chars: int | None = None  # echo only this many characters of the key (a partial echo)


@dataclass
class ServerLog:
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    authorization: set[str] = field(default_factory=set)
    attempts: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default backlog of 5 drops bursts of concurrent connects


def _responses(text: str) -> tuple[str, str]:
    """The two answers of a judge prompt: preftree's layout or MT-Bench's answer markers."""
    if "[The Start of Assistant A's Answer]\n" in text:
        first = text.split("[The Start of Assistant A's Answer]\n", 1)[1]
        first = first.split("\n[The End of Assistant A's Answer]", 1)[0]
        second = text.split("[The Start of Assistant B's Answer]\n", 1)[1]
        return first, second.split("\n[The End of Assistant B's Answer]", 1)[0]
    _, _, rest = text.partition("### Response A\n")
    first, _, second = rest.partition("\n\n### Response B\n")
    return first, second


def _trait_answer(text: str, mode: str) -> str:
    """Answers to trait questions in preftree's layout: the responses, then "### Questions" with
    "N. Which response DESCRIPTION?" lines (or one "Which response DESCRIPTION? Answer [[A]], ...")."""
    import re

    from ..features.traits import rule_answer

    body, _, questions = text.rpartition("\n\n### Question")  # the template asks last: a response may hold the heading
    if not body:
        body, questions = text, ""
    first, second = _responses(body)
    asked = re.findall(r"^(\d+)\. Which response (.+)\?$", questions, flags=re.MULTILINE)
    if not asked:
        single = re.search(r"Which response (.+?)\? Answer \[\[A\]\]", text)
        if single is None:
            return "I do not see a question about traits."
        return f"[[{'A' if mode == 'traits-first' else rule_answer(single.group(1), first, second)}]]"
    if mode == "traits-half":
        asked = asked[:max(1, len(asked) // 2)]
    return "\n".join(f"{n}: {'A' if mode == 'traits-first' else rule_answer(d, first, second)}" for n, d in asked)


def _markdown_count(text: str) -> int:
    """Markdown elements of a response: headers, list items and bold spans, counted as the
    built-in style features count them."""
    from ..features.style import style_of

    style = style_of(text)
    return style["headers"] + style["list_items"] + style["bold"]


class LocalJudgeServer:
    """Runs the server in a background thread; ``url`` is the base URL to give the client."""

    def __init__(self, *, latency: float = 0.0, mode: str = "longer", faults: Faults | None = None,
                 padding: int = 0, host: str = "127.0.0.1", port: int = 0) -> None:
        self.latency, self.mode, self.faults = latency, mode, faults or Faults()
        self.padding = padding  # characters of rambling appended to every answer
        self.log = ServerLog()
        self._server = _Server((host, port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}/v1"

    def __enter__(self) -> LocalJudgeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, body: dict[str, Any]) -> str:
        text = body["messages"][-1]["content"]
        if self.mode == "first":
            return "A is the better response."
        if self.mode.startswith("traits"):
            return _trait_answer(text, self.mode)
        if self.mode == "broken-brackets":  # a failing upstream: empty or error text, as content
            if "[empty]" in text:
                return ""
            if "[upstream]" in text:
                return "Upstream error"
        first, second = _responses(text)
        if self.mode == "markdown":
            a, b = _markdown_count(first), _markdown_count(second)
            verdict = "C" if a == b else ("A" if a > b else "B")
            return f"The better formatted answer is easier to read. [[{verdict}]]"
        if self.mode in ("longer-brackets", "broken-brackets"):  # MT-Bench style: reasoning, then [[A]] / [[B]] / [[C]]
            verdict = "C" if len(first) == len(second) else ("A" if len(first) > len(second) else "B")
            return f"Comparing the two answers, the longer one says more. [[{verdict}]]"
        return ("A" if len(first) >= len(second) else "B") + " is the better response: it says more."

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall between header and body

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _echo(self, faults: Faults) -> str:
                header = self.headers.get("Authorization") or ""
                if faults.echo_chars is None:
                    return f"for {header}"
                return f"for {header.removeprefix('Bearer ')[:faults.echo_chars]}"

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                declared = self.headers.get("Content-Length") or "0"
                if not declared.isdigit() or int(declared) > 64 << 20:
                    self._send(400, {"error": {"message": "expected a Content-Length of at most 64 MiB"}})
                    self.close_connection = True
                    return
                self.connection.settimeout(30)  # a client that stops sending does not hold a thread
                try:
                    raw = self.rfile.read(int(declared))
                except OSError:
                    self.close_connection = True
                    return
                try:
                    body = json.loads(raw)
                    text_content = isinstance(body["messages"][-1]["content"], str)
                except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                    text_content = False
                if not text_content:
                    self._send(400, {"error": {"message": "expected a chat-completions request (JSON with messages)"}})
                    return
                key = hashlib.sha256(json.dumps(body["messages"]).encode()).hexdigest()
                log, faults = server.log, server.faults
                with log.lock:
                    log.requests += 1
                    log.in_flight += 1
                    log.max_in_flight = max(log.max_in_flight, log.in_flight)
                    log.authorization.add(self.headers.get("Authorization", ""))
                    attempt = len(log.attempts.setdefault(key, []))
                    log.attempts[key].append(time.monotonic())
                try:
                    if attempt < faults.stall_times:
                        time.sleep(faults.stall_s)
                    time.sleep(server.latency)
                    if faults.status is not None and attempt < faults.times:
                        message = "injected failure"
                        if faults.echo_auth:
                            message += " " + "." * faults.echo_offset + self._echo(faults)
                        headers = {"Retry-After": faults.retry_after} if faults.retry_after else {}
                        self._send(faults.status, {"error": {"message": message}}, headers)
                        return
                    content = server.answer(body) + " " * bool(server.padding) + "x" * server.padding
                    if faults.echo_auth_in_answer:
                        content += f" (you sent {self._echo(faults)})"
                    self._send(200, {"id": "local", "object": "chat.completion",
                                     "model": body.get("model"),
                                     "choices": [{"index": 0, "finish_reason": "stop",
                                                  "message": {"role": "assistant", "content": content}}],
                                     "usage": {"prompt_tokens": len(raw) // 4,
                                               "completion_tokens": len(content) // 4}})
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout); nothing to answer
                finally:
                    with log.lock:
                        log.in_flight -= 1

        return Handler


def _serve_forever(options: dict[str, Any], queue: Any) -> None:
    with LocalJudgeServer(**options) as server:
        queue.put(server.url)
        while True:
            time.sleep(3600)


@contextmanager
def served_in_another_process(**options: Any) -> Iterator[str]:
    """A :class:`LocalJudgeServer` in its own process (so a benchmark measures the client, not a
    server sharing its interpreter), yielding its URL; stopped on the way out."""
    import multiprocessing

    queue: Any = multiprocessing.Queue()
    process = multiprocessing.Process(target=_serve_forever, args=(options, queue), daemon=True)
    process.start()
    try:
        yield queue.get(timeout=30)
    finally:
        process.terminate()


def main(argv: list[str] | None = None) -> None:
    """``python -m preftree.judges.local_server``: serve a rule-based judge until Ctrl-C."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m preftree.judges.local_server",
        description="A local chat-completions judge that decides by a simple rule, for trying "
                    "`preftree judge` and `preftree probe` with no API. Rules: "
                    + "; ".join(f"{name}: {text}" for name, text in RULES.items()))
    parser.add_argument("--rule", choices=sorted(RULES), default="longer",
                        help="how it decides (longer: answers in preftree's default template's format; "
                             "longer-brackets and markdown: with --judge-template mt-bench)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    parser.add_argument("--port", type=int, default=8000, help="port (0: any free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be 0 to 65535, got {args.port}")
    try:
        server = LocalJudgeServer(latency=max(0.0, args.latency), mode=args.rule, host=args.host, port=args.port)
    except OSError as exc:
        parser.exit(2, f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}\n")
    with server:
        print(f"local judge ({args.rule}: {RULES[args.rule]}) at {server.url}; Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped", flush=True)


if __name__ == "__main__":
    main()
