"""Every input has a size bound and one reader, and bad input is exit 2 with what to fix (issue 28,
items 10, 11, 12, 13, 17, 21)."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.errors import PreftreeError

from ..conftest import write_jsonl
from ..data.test_fifo_inputs import _unblock_later


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), env={"PREFTREE_TEST_KEY": "k"})


def test_a_chained_probe_rule_set_is_refused_before_it_runs(tmp_path: Path) -> None:
    rules = {"probes": [{"name": "grow", "replace": [{"find": "e", "with": "ee"} for _ in range(40)]}]}
    (tmp_path / "rules.json").write_text(json.dumps(rules))
    pairs = write_jsonl(tmp_path / "p.jsonl", [{"id": "a", "prompt": "q", "response_1": "eee", "response_2": "e"}])
    started = time.monotonic()
    result = invoke("probe", "--pairs", str(pairs), "--probe-file", str(tmp_path / "rules.json"),
                    "--judge-model", "m", "--base-url", "http://127.0.0.1:9/v1", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "grow a text" in result.output, result.output
    assert time.monotonic() - started < 10
    # a plug-in's edit is bounded too
    from preftree.data.model import Pair
    from preftree.errors import InputError
    from preftree.probes.edits import TextProbe
    from preftree.probes.run import _edit

    wild = TextProbe("wild", lambda text, other, rng: text * 100_000, "grows")
    with pytest.raises(InputError, match="at most 8-fold"):
        _edit(Pair("a", "q", "abc", "d"), wild, -1, 0)


def test_a_small_parquet_file_that_decodes_to_gigabytes_is_refused(tmp_path: Path) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 5_000_000
    column = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array(["x" * 50]))
    path = tmp_path / "bomb.parquet"
    pq.write_table(pa.table({"id": column, "prompt": column, "response_1": column, "response_2": column}), path)
    assert path.stat().st_size < 2_000_000
    result = invoke("explain", "--pairs", str(path), "--max-input-bytes", "100000000", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "decodes to about" in result.output, result.output


@pytest.mark.parametrize("kind", ["published", "probe-file", "template", "chat-template"])
def test_fifos_and_devices_never_block_where_a_file_is_read(tmp_path: Path, kind: str, tiny_model) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / {"published": "pub.csv", "probe-file": "rules.json", "template": "t.txt",
                       "chat-template": "chat.jinja"}[kind]
    os.mkfifo(fifo)
    _unblock_later(fifo)
    pairs = write_jsonl(tmp_path / "p.jsonl", [{"id": "a", "prompt": "q", "response_1": "x", "response_2": "y"}])
    results = tmp_path / "r.json"
    results.write_text(json.dumps({"model": "m", "score": 80.0, "sections": {}}))
    commands = {
        "published": ["leaderboard", "--results", str(results), "--published", str(fifo)],
        "probe-file": ["probe", "--pairs", str(pairs), "--probe-file", str(fifo), "--judge-model", "m",
                       "--base-url", "http://127.0.0.1:9/v1", "--out", str(tmp_path / "o")],
        "template": ["judge", "--pairs", str(pairs), "--judge-model", "m", "--base-url", "http://127.0.0.1:9/v1",
                     "--template", str(fifo), "--out", str(tmp_path / "j.csv")],
        "chat-template": ["score", "--model", str(tiny_model("llama", 1)), "--pairs", str(pairs), "--chat-template",
                          str(fifo), "--no-cache", "--out", str(tmp_path / "s.parquet")],
    }
    started = time.monotonic()
    result = invoke(*commands[kind])
    assert result.exit_code == 2 and "not a regular file" in result.output, result.output
    assert time.monotonic() - started < 4
    device = invoke(*[str(Path("/dev/zero")) if a == str(fifo) else a for a in commands[kind]])
    assert device.exit_code == 2 and "preftree bug" not in device.output, device.output
    assert "not a regular file" in device.output or "a CSV file" in device.output


class _Http2NotRay:
    """Answers the HTTP/2 preface with a SETTINGS frame, as any gRPC server does, then nothing."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    @staticmethod
    def _answer(conn: socket.socket) -> None:
        try:
            conn.recv(1024)
            conn.sendall(bytes([0, 0, 0, 4, 0, 0, 0, 0, 0]))
            while conn.recv(1024):
                pass
        except OSError:
            pass


def test_an_http2_server_that_is_not_ray_fails_in_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ray", reason="the Ray handshake is tried with Ray itself (preftree[ray])")
    from preftree.scoring import ray_engine

    monkeypatch.setattr(ray_engine, "RAY_PROBE_S", 10.0)  # the handshake's wait, shortened for the test
    server = _Http2NotRay()
    started = time.monotonic()
    with pytest.raises(PreftreeError, match="not as a Ray cluster|Ray could not connect"):
        ray_engine._check_reachable(f"127.0.0.1:{server.sock.getsockname()[1]}", timeout_s=3)
    assert time.monotonic() - started < ray_engine.RAY_PROBE_S + 15
    server.sock.close()


@pytest.mark.parametrize("cells", ["inf,90", "999,90", "high,90", "80,-101"])
def test_published_figures_are_checked(tmp_path: Path, cells: str) -> None:
    results = tmp_path / "r.json"
    results.write_text(json.dumps({"model": "m", "score": 80.0, "sections": {}}))
    published = tmp_path / "pub.csv"
    published.write_text("model,Score,Chat,Chat Hard,Safety,Reasoning\nother," + cells + ",1,1,1\n")
    result = invoke("leaderboard", "--results", str(results), "--published", str(published))
    assert result.exit_code == 2 and "percentages from 0 to 100" in result.output, result.output
    winrates = tmp_path / "ae.csv"
    winrates.write_text("name,win_rate,length_controlled_winrate\nother," + cells + "\n")
    from ..winrate.test_identification import length_judge

    frame = length_judge(noise=0.1, n=30)
    battles = tmp_path / "b.jsonl"
    write_jsonl(battles, [{"model_a": r.model_a, "model_b": r.model_b, "winner": "model_a" if r.outcome else "model_b",
                           "conversation_a": [{"role": "user", "content": "q"}, {"role": "assistant", "content": r.text_a}],
                           "conversation_b": [{"role": "user", "content": "q"}, {"role": "assistant", "content": r.text_b}]}
                          for r in frame.itertuples()])
    assert invoke("winrate", str(battles), "--baseline", "base", "--resamples", "0", "--quiet",
                  "--out", str(tmp_path / "w.csv")).exit_code == 0
    board = invoke("leaderboard", "--results", str(tmp_path / "w.json"), "--published", str(winrates))
    assert board.exit_code == 2 and "percentages from 0 to 100" in board.output, board.output


TEMPLATES = {
    "syntax": "{% for m in messages %}{{ m.content }",
    "undefined": "{{ messages[0].content.nope.deeper }}",
    "raise": "{{ raise_exception('no system messages here') }}",
    "sandbox": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
}


@pytest.mark.parametrize("name", [*TEMPLATES, "non-utf8"])
def test_a_bad_chat_template_is_bad_input(tmp_path: Path, tiny_model, name: str) -> None:  # type: ignore[no-untyped-def]
    template = tmp_path / "chat.jinja"
    if name == "non-utf8":
        template.write_bytes(b"{{ messages }} \xff\xfe")
    else:
        template.write_text(TEMPLATES[name])
    pairs = write_jsonl(tmp_path / "p.jsonl", [{"id": "a", "prompt": "q", "response_1": "x", "response_2": "y"}])
    result = invoke("score", "--model", str(tiny_model("llama", 1)), "--pairs", str(pairs), "--chat-template",
                    str(template), "--no-cache", "--out", str(tmp_path / "s.parquet"))
    assert result.exit_code == 2 and "preftree bug" not in result.output, result.output
    assert "chat.jinja" in result.output or "chat template" in result.output


def test_a_non_utf8_judge_template_and_bad_results_files_are_bad_input(tmp_path: Path) -> None:
    pairs = write_jsonl(tmp_path / "p.jsonl", [{"id": "a", "prompt": "q", "response_1": "x", "response_2": "y"}])
    template = tmp_path / "t.txt"
    template.write_bytes(b"{conversation} {response_a} {response_b} \xff")
    result = invoke("judge", "--pairs", str(pairs), "--judge-model", "m", "--base-url", "http://127.0.0.1:9/v1",
                    "--template", str(template), "--out", str(tmp_path / "j.csv"))
    assert result.exit_code == 2 and "not valid UTF-8" in result.output, result.output
    for body in (json.dumps({"model": "m", "score": 80.0, "sections": {}, "partial": 5}).encode(), b'{"model": "\xff"}',
                 json.dumps({"model": "m", "score": 180.0, "sections": {}}).encode()):
        results = tmp_path / "r.json"
        results.write_bytes(body)
        board = invoke("leaderboard", "--results", str(results), "--published", "none")
        assert board.exit_code == 2 and "preftree bug" not in board.output, board.output
    published = tmp_path / "pub.csv"
    published.write_text('model,Score\n"unterminated,1\n')
    results.write_text(json.dumps({"model": "m", "score": 80.0, "sections": {}}))
    board = invoke("leaderboard", "--results", str(results), "--published", str(published))
    assert board.exit_code == 2 and "preftree bug" not in board.output, board.output


@pytest.mark.parametrize("template", ["{{ 1/0 }}", "{{ '%d' % 'x' }}", "{{ range(10**8)|list }}"])
def test_a_template_expression_that_fails_is_bad_input(tmp_path: Path, tiny_model, template: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "chat.jinja").write_text(template)
    pairs = write_jsonl(tmp_path / "p.jsonl", [{"id": "a", "prompt": "q", "response_1": "x", "response_2": "y"}])
    result = invoke("score", "--model", str(tiny_model("llama", 1)), "--pairs", str(pairs), "--chat-template",
                    str(tmp_path / "chat.jinja"), "--no-cache", "--out", str(tmp_path / "s.parquet"))
    assert result.exit_code == 2 and "preftree bug" not in result.output, result.output


def test_dictionary_encoded_parquet_is_counted_as_the_text_it_holds(tmp_path: Path) -> None:
    import resource

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    column = pa.DictionaryArray.from_arrays(pa.array(np.zeros(3000, dtype=np.int32)), pa.array(["x" * (1 << 20)]))
    ids = pa.array([f"p{i}" for i in range(3000)])
    for store in (True, False):
        path = tmp_path / f"bomb-{store}.parquet"
        pq.write_table(pa.table({"id": ids, "prompt": column, "response_1": column, "response_2": column}), path,
                       store_schema=store)
        assert path.stat().st_size < 400_000
        result = invoke("explain", "--pairs", str(path), "--out", str(tmp_path / "o"))
        assert result.exit_code == 2 and "decodes to more than" in result.output, result.output
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 4 << 20  # KiB: far below the 9 GiB of text


def test_results_and_published_numbers_are_read_strictly(tmp_path: Path) -> None:
    results = tmp_path / "r.json"
    results.write_text('{"model": "m", "score": 1' + "0" * 400 + ', "sections": {}}')
    huge = invoke("leaderboard", "--results", str(results), "--published", "none")
    assert huge.exit_code == 2 and "preftree bug" not in huge.output, huge.output
    results.write_text(json.dumps({"model": "m", "score": 80.0, "sections": {}}))
    published = tmp_path / "pub.csv"
    published.write_text("model,Score,Chat,Chat Hard,Safety,Reasoning\nother,1_0,1,1,1,1\n")
    underscore = invoke("leaderboard", "--results", str(results), "--published", str(published))
    assert underscore.exit_code == 2 and "1_0" in underscore.output
