"""Typed options of the scoring engine, shared by the Python API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import ConfigError

__all__ = ["DTYPES", "DEVICES", "TRUNCATIONS", "ScoringOptions"]

DTYPES = ("auto", "float32", "bfloat16", "float16")
DEVICES = ("auto", "cpu", "cuda", "mps")
TRUNCATIONS = ("error", "left", "right")

Truncation = Literal["error", "left", "right"]


@dataclass(frozen=True)
class ScoringOptions:
    """How a reward model is loaded and run.

    ``truncation``: what to do with a conversation longer than ``max_length`` tokens — ``error``
    (the default) lists the offending ids; ``left`` drops tokens from the start (the prompt goes
    first, the response's end is kept, which is where the score is read); ``right`` keeps the start.
    ``batch_tokens`` bounds padded tokens per forward pass (rows × longest row).
    ``cache`` is a SQLite file, or ``None`` for no cache. ``output="hidden"`` returns the backbone's
    last-token hidden state instead of the head's scores (features for training a head).
    """

    dtype: str = "auto"
    device: str = "auto"
    attn_implementation: str | None = None
    max_length: int | None = None
    truncation: Truncation = "error"
    batch_tokens: int = 8192
    chat_template: str | None = None
    trust_remote_code: bool = False
    revision: str | None = None
    backend: str = "transformers"
    cache: Path | None = None
    progress: bool = True
    output: Literal["scores", "hidden"] = "scores"
    head: str = "auto"  # auto (from the weights) | linear | mlp | token-logit:ID
    device_map: str | None = None  # e.g. "auto": shard over the GPUs (accelerate), offload the rest
    max_memory: dict[str, str] | None = None  # per device, e.g. {"0": "70GiB", "cpu": "200GiB"}
    offload_folder: str | None = None  # where weights that fit nowhere go with device_map
    server_url: str | None = None  # vllm-server: the URL of a `vllm serve --runner pooling` server
    server_timeout_s: float = 300.0  # vllm-server: seconds one batch may take before it is retried
    tensor_parallel_size: int = 1  # vllm: GPUs one replica spans
    prefix_sharing: bool = True  # compute a prompt shared by several responses once (KV cache)

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ConfigError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        if self.device not in DEVICES and not self.device.startswith(("cuda:", "mps:")):
            raise ConfigError(f"device must be one of {DEVICES} (or cuda:N), got {self.device!r}")
        if self.truncation not in TRUNCATIONS:
            raise ConfigError(f"truncation must be one of {TRUNCATIONS}, got {self.truncation!r}")
        if self.output not in ("scores", "hidden"):
            raise ConfigError(f"output must be 'scores' or 'hidden', got {self.output!r}")
        if self.batch_tokens < 1:
            raise ConfigError(f"batch_tokens must be positive, got {self.batch_tokens}")
        if self.max_length is not None and self.max_length < 2:
            raise ConfigError(f"max_length must be at least 2, got {self.max_length}")
