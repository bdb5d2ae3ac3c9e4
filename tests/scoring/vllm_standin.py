"""A stand-in for ``vllm serve MODEL --runner pooling`` (vLLM cannot be installed here: it needs a
CUDA build of torch). It speaks vLLM's documented ``/pooling`` protocol over real HTTP on a local
socket — request fields ``input`` (token ids, one list or a list of lists), ``task``
(``classify`` or ``embed``), ``use_activation``, ``encoding_format``; response ``data`` items
``{index, object: "pooling", data: [floats]}`` with ``usage`` — and computes with a real tiny
transformers model: ``classify`` is the classifier's logits at the last token (sigmoid for one
label, softmax for several unless ``use_activation`` is false, as vLLM does), ``embed`` the last
token's hidden state (L2-normalised unless ``use_activation`` is false). It records every request
so tests can check what the client sent, can fail the first requests with 503 or stall them (``stall_first``, 5 s each), and can lie
(``tamper`` rewrites each returned vector)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import torch


class VLLMStandIn:
    def __init__(self, folder: Path, *, fail_first: int = 0,
                 stall_first: int = 0, tamper: Callable[[list[float]], Any] | None = None,
                 reindex: Callable[[int], Any] | None = None) -> None:
        from transformers import AutoModel, AutoModelForSequenceClassification

        config = json.loads((folder / "config.json").read_text())
        custom = any(not hasattr(__import__("transformers"), a) for a in config.get("architectures") or [])
        self.backbone = AutoModel.from_pretrained(folder).eval()
        self.classifier = None if custom else AutoModelForSequenceClassification.from_pretrained(folder).eval()
        self.requests: list[dict[str, Any]] = []
        self.fail_first, self.stall_first = fail_first, stall_first
        self.tamper = tamper or (lambda vector: vector)
        self.reindex = reindex or (lambda i: i)  # a server that lies about which row is which
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = False  # closing waits for a stalled handler (no torch at exit)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> VLLMStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def pool(self, ids: list[int], task: str, activation: bool) -> list[float]:
        tokens = torch.tensor([ids])
        with torch.no_grad():
            if task == "classify":
                logits = self.classifier(input_ids=tokens).logits[0]
                if activation:
                    logits = torch.sigmoid(logits) if logits.numel() == 1 else torch.softmax(logits, -1)
                return logits.tolist()
            hidden = self.backbone(input_ids=tokens).last_hidden_state[0, -1]
            return (torch.nn.functional.normalize(hidden, dim=0) if activation else hidden).tolist()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up on a stalled request
                    pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with stand_in.lock:
                    stand_in.requests.append(body)
                    failing, stalling = stand_in.fail_first > 0, stand_in.stall_first > 0
                    stand_in.fail_first -= 1
                    stand_in.stall_first -= 0 if failing else 1
                if stalling and not failing:
                    time.sleep(5)
                if failing:
                    self._send(503, {"error": {"message": "engine busy"}})
                    return
                if self.path != "/pooling":
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                rows = body["input"]
                rows = [rows] if rows and isinstance(rows[0], int) else rows
                if isinstance(rows, str) or not all(isinstance(r, list) for r in rows):
                    self._send(400, {"error": {"message": "this stand-in takes token ids"}})
                    return
                activation = body.get("use_activation") is not False
                data = [{"index": stand_in.reindex(i), "object": "pooling", "data": stand_in.tamper(stand_in.pool(r, body.get("task", "embed"), activation))}
                        for i, r in enumerate(rows)]
                tokens = sum(len(r) for r in rows)
                self._send(200, {"id": "pool-standin", "object": "list", "model": "standin", "data": data,
                                 "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

        return Handler
