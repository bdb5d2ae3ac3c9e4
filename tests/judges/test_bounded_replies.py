"""Replies have a size and a time bound, every field of a reply is checked and scrubbed before it
is stored, templates are rendered in one pass, and a key is never sent where the user would not
expect it without a word (issue 28, items 7, 8, 9, 14, 21, 22). Real HTTP over local sockets."""

from __future__ import annotations

import json
import socket
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.judges.local_server import LocalJudgeServer
from preftree.judges.openai_backend import OpenAIBackend, OpenAIOptions
from preftree.judges.prompt import JudgePrompt

from ..conftest import write_jsonl

KEY = "sk-test-0123456789abcdef0123456789"


def _pairs(tmp_path: Path, n: int = 2) -> Path:
    return write_jsonl(tmp_path / "pairs.jsonl", [
        {"id": f"p{i}", "prompt": f"q{i}", "response_1": "a", "response_2": "bb"} for i in range(n)])


def _judge(pairs: Path, url: str, out: Path, *extra: str, key_env: str = "PREFTREE_TEST_KEY") -> Any:
    return CliRunner().invoke(cli, ["judge", "--pairs", str(pairs), "--judge-model", "m", "--base-url", url,
                                    "--api-key-env", key_env, "--out", str(out), "--quiet", *extra],
                              env={"PREFTREE_TEST_KEY": KEY})


class _Trickle:
    """Answers every request with headers, then one byte every half second, forever."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            while not self.stop.is_set():
                conn.sendall(b" ")
                time.sleep(0.5)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_a_trickling_server_cannot_hold_a_request_past_its_timeout(tmp_path: Path) -> None:
    server = _Trickle()
    try:
        started = time.monotonic()
        result = _judge(_pairs(tmp_path, 1), server.url, tmp_path / "j.csv", "--timeout", "3", "--max-retries", "0")
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert result.exit_code == 1 and elapsed < 20, (elapsed, result.output)
    assert "timeout after 3 s" in (tmp_path / "j.csv").read_text()


def test_an_oversized_reply_is_an_error_never_stored(tmp_path: Path) -> None:
    with LocalJudgeServer(padding=3_000_000) as server:
        result = _judge(_pairs(tmp_path, 1), server.url, tmp_path / "j.csv", "--max-retries", "0")
    assert result.exit_code == 1
    assert "reply larger than 1,048,576 bytes" in (tmp_path / "j.csv").read_text()
    assert (tmp_path / ".j.csv.journal.jsonl").stat().st_size < 10_000


class _Liar(BaseHTTPRequestHandler):
    """A server that echoes the bearer key in usage fields and answers with odd types."""

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        key = self.headers.get("Authorization", "")
        body = json.dumps({"choices": [{"message": {"content": "A is the better response"}}],
                           "usage": {"prompt_tokens": key, "completion_tokens": [1, 2]}}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_every_reply_field_is_checked_and_scrubbed_and_journals_are_private(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Liar)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        first = _judge(_pairs(tmp_path), url, tmp_path / "j.csv")
        again = _judge(_pairs(tmp_path), url, tmp_path / "j.csv")
    finally:
        server.shutdown()
        server.server_close()
    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output  # the journal reads back: no "preftree bug"
    journal = tmp_path / ".j.csv.journal.jsonl"
    assert KEY not in journal.read_text() and KEY[-12:] not in journal.read_text()
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert KEY not in (tmp_path / "j.csv").read_text()


def test_a_template_is_filled_in_one_pass() -> None:
    prompt = JudgePrompt("Q: {conversation}\nA: {response_a}\nB: {response_b}")
    text = prompt.render("say {response_b} and {conversation}", "x\0B\0y {response_b}", "SECOND")[-1]["content"]
    assert text.count("SECOND") == 1  # only where the template asks for it
    assert "say {response_b} and {conversation}" in text and "x\0B\0y {response_b}" in text


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999/v1", "ftp://127.0.0.1/v1", "http:///v1"])
def test_a_bad_base_url_is_bad_input(tmp_path: Path, url: str) -> None:
    result = _judge(_pairs(tmp_path, 1), url, tmp_path / "j.csv")
    assert result.exit_code == 2 and "preftree bug" not in result.output and "--base-url" in result.output


def test_a_key_over_plain_http_is_said_once_and_none_sends_none(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from preftree import _http

    monkeypatch.setenv("PREFTREE_TEST_KEY", KEY)
    monkeypatch.setattr(_http, "_WARNED", set())
    for _ in range(3):
        OpenAIBackend(OpenAIOptions(model="m", base_url="http://judge.example.invalid/v1",
                                    api_key_env="PREFTREE_TEST_KEY"))
    said = capsys.readouterr().err
    assert said.count("sent over plain http to judge.example.invalid") == 1 and KEY not in said
    for quiet_url in ("http://127.0.0.1:8000/v1", "https://judge.example.invalid/v1", "http://localhost:1/v1"):
        OpenAIBackend(OpenAIOptions(model="m", base_url=quiet_url, api_key_env="PREFTREE_TEST_KEY"))
    assert capsys.readouterr().err == ""
    with LocalJudgeServer() as server:
        result = _judge(_pairs(tmp_path, 1), server.url, tmp_path / "j.csv", key_env="none")
        assert result.exit_code == 0, result.output
        assert server.log.authorization == {""}
    with pytest.raises(Exception, match="not an environment variable name"):
        OpenAIBackend(OpenAIOptions(model="m", base_url="http://127.0.0.1:1/v1", api_key_env="A B"))


class _Gzip(BaseHTTPRequestHandler):
    """Answers with a small gzip body that inflates to a gigabyte (a server that ignores
    Accept-Encoding: identity)."""

    bomb: bytes = b""

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(self.bomb)))
        self.end_headers()
        self.wfile.write(self.bomb)


def test_a_gzip_bomb_reply_never_unpacks(tmp_path: Path) -> None:
    import gzip
    import resource

    _Gzip.bomb = gzip.compress(b" " * (256 << 20), compresslevel=9)  # 256 MiB of spaces in ~250 KB
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gzip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        result = _judge(_pairs(tmp_path, 1), f"http://127.0.0.1:{server.server_address[1]}/v1", tmp_path / "j.csv",
                        "--max-retries", "0")
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 1 and "reply larger than" in (tmp_path / "j.csv").read_text()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 150, grown_mb  # never the 256 MiB the body would inflate to


def test_what_the_second_hostile_pass_found_in_journals_and_replies(tmp_path: Path) -> None:
    """A journal that is a hard link to another file, journal rows with a 400-digit number or
    nesting past any real row, and a reply nested 100,000 deep: refused or skipped, never a
    preftree bug, and nothing written through the link."""
    import os

    pairs = _pairs(tmp_path, 2)
    notes = tmp_path / "notes.txt"
    notes.write_text("line one\nlast line without newline")
    os.link(notes, tmp_path / ".j.csv.journal.jsonl")
    with LocalJudgeServer() as server:
        linked = _judge(pairs, server.url, tmp_path / "j.csv")
        assert linked.exit_code == 2 and "hard links" in linked.output, linked.output
        assert notes.read_text() == "line one\nlast line without newline"
        os.unlink(tmp_path / ".j.csv.journal.jsonl")
        assert _judge(pairs, server.url, tmp_path / "j.csv").exit_code == 0
        journal = tmp_path / ".j.csv.journal.jsonl"
        rows = journal.read_text().splitlines()
        row = json.loads(rows[1])
        with journal.open("a") as handle:
            handle.write(json.dumps({**row, "latency_s": 10 ** 400}) + "\n" + "[" * 200_000 + "\n")
        again = _judge(pairs, server.url, tmp_path / "j.csv")
        assert again.exit_code == 0 and "preftree bug" not in again.output, again.output
    deep = ThreadingHTTPServer(("127.0.0.1", 0), _Deep)
    threading.Thread(target=deep.serve_forever, daemon=True).start()
    try:
        nested = _judge(pairs, f"http://127.0.0.1:{deep.server_address[1]}/v1", tmp_path / "d.csv", "--max-retries", "0")
    finally:
        deep.shutdown()
        deep.server_close()
    assert nested.exit_code == 1 and "preftree bug" not in nested.output, nested.output
    assert "malformed response" in (tmp_path / "d.csv").read_text()


class _Deep(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b"[" * 100_000 + b"]" * 100_000
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_compressed_replies_are_read_whole_or_refused() -> None:
    import gzip
    import zlib

    import httpx

    from preftree._http import ReplyTooLarge, _inflate

    body = b'{"choices": [{"message": {"content": "A"}}]}'
    two = gzip.compress(body[:20]) + gzip.compress(body[20:])
    assert _inflate(two, "gzip", 1 << 20) == body  # every member
    assert _inflate(zlib.compress(body), "deflate", 1 << 20) == body
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert _inflate(raw.compress(body) + raw.flush(), "deflate", 1 << 20) == body
    with pytest.raises(httpx.DecodingError, match="cut short"):
        _inflate(gzip.compress(body)[:-12], "gzip", 1 << 20)
    with pytest.raises(ReplyTooLarge):
        _inflate(gzip.compress(b" " * 10_000), "gzip", 1000)
    with pytest.raises(httpx.DecodingError, match="'br'"):
        _inflate(body, "br", 1 << 20)
