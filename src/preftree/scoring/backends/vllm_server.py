"""The ``vllm-server`` backend: scores from a ``vllm serve MODEL --runner pooling`` server.

preftree tokenizes with the checkpoint's own tokenizer and chat template and sends **token ids**
(a string ``input`` would get ``add_special_tokens=True`` and a second BOS in front of a
chat-templated prompt), always with ``use_activation: false`` (vLLM applies a sigmoid to one
label and a softmax to several unless told not to). Two ways, chosen from the checkpoint:

- a standard classifier (one linear ``score`` layer without bias): ``task: "classify"`` returns
  the K raw scores;
- any other head (the Decision-Tree-Reward biased head, INF-ORM's MLP, a token's logit): vLLM's
  classifier adapter would not reproduce it, so the server returns the backbone's last-token
  hidden state (``task: "embed"``, LAST pooling, no normalisation) and preftree applies the head,
  read from the checkpoint's weights, itself.

Requests go out concurrently with the judge client's retries (429, 5xx, timeouts; ``Retry-After``
capped), and the prefix cache of the server computes a pair's shared prompt once.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from ..._async import run_sync
from ...errors import InputError, PreftreeError
from ..checkpoint import Checkpoint, attribute_names
from ..heads import MLP_KEYS, detect_head, mlp_head, parse_head, weight_names
from ..options import ScoringOptions, VLLMServerOptions

__all__ = ["VLLMServerModel", "load_model"]

ROWS_PER_REQUEST = 16
CONCURRENCY = 8


def _local_head(checkpoint: Checkpoint, options: ScoringOptions) -> tuple[str, nn.Module | None, int, str]:
    """(task, head applied here or None, number of outputs, head name) for this checkpoint."""
    from .hf_models import read_tensors

    kind, token_id = parse_head(options.head)
    names = weight_names(checkpoint.path)
    if kind == "auto":
        kind = "linear-bias" if checkpoint.has_biased_linear_head else (detect_head(names) or "unknown")
    if kind == "token-logit":
        key = "lm_head.weight" if "lm_head.weight" in names else "model.embed_tokens.weight"
        weight = read_tensors(checkpoint.path, [key])[key]
        head = nn.Linear(weight.shape[1], 1, bias=False)
        head.weight.data.copy_(weight[int(token_id or 0):int(token_id or 0) + 1].float())
        return "embed", head, 1, f"token-logit(id {token_id}) on the server's hidden states"
    if kind == "mlp":
        tensors = read_tensors(checkpoint.path, MLP_KEYS)
        head = mlp_head({k: v.float() for k, v in tensors.items()})
        return "embed", head, int(tensors["score.2.weight"].shape[0]), "mlp on the server's hidden states"
    tensors = read_tensors(checkpoint.path, ["score.weight", "score.bias"])
    if "score.weight" not in tensors:
        from ..heads import unknown_head_error

        raise unknown_head_error(checkpoint.name, names, checkpoint.architecture)
    weight, bias = tensors["score.weight"].float(), tensors.get("score.bias")
    if bias is None and kind == "linear":  # vLLM's classifier reproduces exactly this head
        return "classify", None, int(weight.shape[0]), f"server classify ({weight.shape[0]} outputs)"
    head = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    head.load_state_dict({"weight": weight, **({"bias": bias.float()} if bias is not None else {})})
    return "embed", head, int(weight.shape[0]), "biased linear head on the server's hidden states"


def apply_head(head: nn.Module | None, pooled: np.ndarray) -> np.ndarray:
    """Scores from vLLM's pooled vectors: as they are (``classify``), or through the head applied
    here to the backbone's hidden states (``embed``)."""
    if head is None:
        return pooled
    with torch.inference_mode():
        return head(torch.as_tensor(pooled, dtype=torch.float32)).double().numpy()


class VLLMServerModel:
    """A :class:`~preftree.scoring.backends.LoadedModel` whose forward pass is a vLLM server."""

    runs_unpadded = True  # vLLM schedules token lists itself: nothing is padded

    def __init__(self, *, url: str, task: str, head: nn.Module | None, tokenizer: Any,
                 attributes: list[str], max_length: int, description: dict[str, Any], width: int,
                 timeout_s: float = 300.0, max_retries: int = 6, max_wait_s: float = 60.0) -> None:
        self.url, self.task, self.head = url.rstrip("/"), task, head
        self.tokenizer, self.attributes, self.max_length = tokenizer, attributes, max_length
        self.description, self.width = description, width  # width: the length of one pooled vector
        self.timeout_s, self.max_retries, self.max_wait_s = timeout_s, max_retries, max_wait_s
        self._rng = random.Random(0)

    def forward(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        """Scores of the rows (token ids), from concurrent ``/pooling`` requests."""
        values = run_sync(self._pool([list(map(int, row)) for row in batch]))
        return apply_head(self.head, values).reshape(len(batch), -1)

    async def _pool(self, rows: list[list[int]]) -> np.ndarray:
        import httpx

        chunks = [rows[i:i + ROWS_PER_REQUEST] for i in range(0, len(rows), ROWS_PER_REQUEST)]
        gate = asyncio.Semaphore(CONCURRENCY)
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            async def one(chunk: list[list[int]]) -> np.ndarray:
                async with gate:
                    return await self._request(client, chunk)

            parts = await asyncio.gather(*(one(c) for c in chunks))
        return np.vstack(parts) if parts else np.empty((0, self.width))

    async def _request(self, client: Any, chunk: list[list[int]]) -> np.ndarray:
        from ..._http import post_with_retries

        body = {"input": chunk, "task": self.task, "use_activation": False, "encoding_format": "float"}
        response, error, _ = await post_with_retries(
            client, f"{self.url}/pooling", body, retries=self.max_retries, timeout_s=self.timeout_s,
            backoff_s=1.0, max_wait_s=self.max_wait_s, rng=self._rng)
        if response is None:
            raise PreftreeError(f"the vLLM server at {self.url} did not score a batch: {error}")
        return self._read(response, len(chunk))

    def _read(self, response: Any, n: int) -> np.ndarray:
        """The ``n`` pooled vectors of a response, checked: count, length, finite numbers."""
        try:
            items = sorted(response.json()["data"], key=lambda item: item["index"])
            indices = [item["index"] for item in items]
            rows = [item["data"] for item in items]
        except (ValueError, KeyError, TypeError, RecursionError):
            raise PreftreeError(f"the vLLM server at {self.url} answered in an unknown shape: "
                                f"{response.text[:200]}") from None
        if any(type(i) is not int for i in indices) or indices != list(range(len(indices))):
            raise PreftreeError(f"the vLLM server at {self.url} returned the indices "
                                f"{indices[:10]} for {n} inputs; each of 0..{n - 1} must appear "
                                "once (scores would land on the wrong rows)")
        if len(rows) != n or any(not isinstance(r, list) or len(r) != self.width for r in rows):
            widths = sorted({len(r) if isinstance(r, list) else -1 for r in rows})
            raise PreftreeError(f"the vLLM server at {self.url} returned {len(rows)} pooled vectors of "
                                f"length {widths} for {n} inputs; expected length {self.width} "
                                "(is it serving this checkpoint with --runner pooling and LAST pooling?)")
        try:
            if any(type(v) not in (int, float) for r in rows for v in r):  # true is not 1.0
                values = np.array([np.nan])
            else:
                values = np.asarray(rows, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):  # an integer too large for a float
            values = np.array([np.nan])
        if not np.isfinite(values).all():
            raise PreftreeError(f"the vLLM server at {self.url} returned non-numeric or non-finite scores "
                                f"(NaN, inf or text) for a batch of {n}; nothing was written for it")
        return values


def load_model(checkpoint: Checkpoint, options: ScoringOptions) -> VLLMServerModel:
    """Read the tokenizer, config and (if needed) the head locally; the rest is the server's."""
    from transformers import AutoConfig, AutoTokenizer

    from .torch_support import checkpoint_errors, model_max_length, quiet_transformers

    server = options.backend_options
    if not isinstance(server, VLLMServerOptions):
        raise InputError("the vllm-server backend needs the server's URL (--base-url)")
    with quiet_transformers(), checkpoint_errors(checkpoint.name, checkpoint.path):
        tokenizer = AutoTokenizer.from_pretrained(str(checkpoint.path))
        config = AutoConfig.from_pretrained(str(checkpoint.path))
    task, head, outputs, head_name = _local_head(checkpoint, options)
    attributes = attribute_names(config, outputs, decision_tree=checkpoint.is_decision_tree_reward)
    max_length = model_max_length(options, tokenizer, config, checkpoint)
    description = {"model": checkpoint.name, "revision": checkpoint.revision, "backend": "vllm-server",
                   "architecture": checkpoint.architecture, "head": head_name,
                   "dtype": "server", "max_length": max_length, "attributes": attributes}
    width = outputs if head is None else int(config.get_text_config().hidden_size)
    return VLLMServerModel(url=str(server.url), task=task, head=head, tokenizer=tokenizer,
                            attributes=attributes, max_length=max_length, description=description,
                            width=width, timeout_s=server.timeout_s)
