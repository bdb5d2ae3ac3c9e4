"""Torch and transformers helpers shared by every in-process model (the scoring backends and the
local LLM judge): device and dtype choice, right padding, last-token states, the model's maximum
length, quiet loading, and one error for a checkpoint that does not load."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ...errors import ConfigError, InputError, PreftreeError
from ..checkpoint import Checkpoint
from ..options import ScoringOptions

__all__ = ["checkpoint_errors", "last_token_states", "mapped_devices", "model_max_length",
           "pick_device", "pick_dtype", "quiet_transformers", "right_padded"]

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def pick_device(name: str) -> torch.device:
    """``auto`` is CUDA when present, else Apple MPS, else the CPU."""
    if name != "auto":
        device = torch.device(name)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError(f"--device {name}: no CUDA device is usable here "
                              "(torch.cuda.is_available() is False); use --device cpu or auto")
        if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
            raise ConfigError(f"--device {name}: there are {torch.cuda.device_count()} CUDA devices")
        if device.type == "mps" and not (getattr(torch.backends, "mps", None) is not None
                                         and torch.backends.mps.is_available()):
            raise ConfigError(f"--device {name}: Apple MPS is not available here; use --device cpu")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def pick_dtype(name: str, device: torch.device, config: Any) -> torch.dtype:
    """``auto``: float32 on the CPU; on an accelerator the checkpoint's half dtype, else bfloat16."""
    if name != "auto":
        return _DTYPES[name]
    if device.type == "cpu":
        return torch.float32
    saved = getattr(config, "dtype", None) or getattr(config, "torch_dtype", None)
    if saved in (torch.float16, torch.bfloat16, "float16", "bfloat16"):
        return _DTYPES[str(saved).removeprefix("torch.")]
    return torch.bfloat16


def right_padded(batch: Sequence[Sequence[int]], pad_id: int,
                 device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Token ids and attention mask of right-padded rows, and each row's last real position.

    Right padding keeps every real token at the position it has alone, so causal models give
    the same states batched as one at a time.
    """
    lengths = torch.tensor([len(row) for row in batch])
    ids = torch.full((len(batch), int(lengths.max())), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, row in enumerate(batch):
        ids[i, :len(row)] = torch.as_tensor(list(row), dtype=torch.long)
        mask[i, :len(row)] = 1
    return ids.to(device), mask.to(device), (lengths - 1).to(device)


def last_token_states(backbone: nn.Module, batch: Sequence[Sequence[int]], pad_id: int,
                      device: torch.device) -> torch.Tensor:
    """The backbone's final hidden state at each row's last real token (call in inference mode)."""
    ids, mask, last = right_padded(batch, pad_id, device)
    hidden = backbone(input_ids=ids, attention_mask=mask, use_cache=False).last_hidden_state
    return hidden[torch.arange(len(batch), device=device), last]


def mapped_devices(module: nn.Module) -> tuple[torch.device, torch.device]:
    """Where inputs go and where the last hidden state comes out, for a model placed by
    accelerate: the input embeddings' device, and the last device of the map (the CPU for
    weights offloaded to disk, which accelerate streams in)."""
    placement = getattr(module, "hf_device_map", None) or {}
    devices = [torch.device(f"cuda:{d}" if isinstance(d, int) else ("cpu" if d == "disk" else d))
               for d in placement.values()]
    embedding = module.get_input_embeddings().weight.device
    first = torch.device("cpu") if embedding.type == "meta" else embedding
    return first, (devices[-1] if devices else first)


def model_max_length(options: ScoringOptions, tokenizer: Any, config: Any, checkpoint: Checkpoint) -> int:
    if options.max_length is not None:
        return options.max_length
    candidates = [getattr(config, "max_position_embeddings", None)]
    model_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(model_max, int) and model_max < 10**7:
        candidates.append(model_max)
    known = [c for c in candidates if isinstance(c, int) and c > 0]
    if not known:
        raise InputError(f"model {checkpoint.name!r} states no maximum length; pass --max-length")
    return min(known)


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' load reports and bars while preftree checks the loading info itself."""
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


@contextlib.contextmanager
def checkpoint_errors(name: str, folder: str | Path) -> Iterator[None]:
    """Turn a library's failure to read a checkpoint (a truncated ``model.safetensors``, a missing
    tokenizer, a broken config) into one :class:`InputError` that names the folder."""
    try:
        yield
    except (PreftreeError, MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:
        detail = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise InputError(f"cannot load model {Path(name).name!r}; check that the folder holds a "
                         "complete checkpoint (config.json, the weights, the tokenizer files; an "
                         f"interrupted download is the usual cause): {type(exc).__name__}: {detail}",
                         path=folder) from exc


