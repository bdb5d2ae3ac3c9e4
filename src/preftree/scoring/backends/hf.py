"""The transformers backend: sequence classifiers and Decision-Tree-Reward checkpoints.

Three layouts load here:

- a standard ``AutoModelForSequenceClassification`` checkpoint (1 or K outputs);
- RLHFlow's Decision-Tree-Reward checkpoints, whose config names a remote-code class: loaded as the
  standard backbone (``AutoModel``) plus a biased linear head read from the weight files, with no
  remote code run and every weight accounted for;
- any other custom architecture, only with ``trust_remote_code=True``.

Where the model is "backbone + linear head", preftree runs the backbone and reads the head at each
row's last real token itself, so right-padded batches give the same scores as single sequences.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from transformers import AutoConfig, AutoTokenizer

from ...errors import ConfigError, InputError, PreftreeError
from ..checkpoint import Checkpoint, attribute_names
from ..options import ScoringOptions
from .hf_models import build_model

__all__ = ["TransformersEngine", "last_token_states", "load_engine", "pick_device", "pick_dtype",
           "quiet_transformers", "right_padded"]

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


def _read_tensors(folder: Path, names: Sequence[str]) -> dict[str, torch.Tensor]:
    """Named tensors from a checkpoint's safetensors files (sharded or not), or a .bin state dict."""
    found: dict[str, torch.Tensor] = {}
    index = folder / "model.safetensors.index.json"
    if index.exists():
        weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        files = sorted({weight_map[n] for n in names if n in weight_map})
    else:
        files = [p.name for p in sorted(folder.glob("*.safetensors"))]
    if files:
        from safetensors import safe_open

        for file in files:
            with safe_open(str(folder / file), framework="pt") as handle:
                for name in names:
                    if name in handle.keys():
                        found[name] = handle.get_tensor(name)
        return found
    for file in sorted(folder.glob("*.bin")):  # weights_only: tensors, never arbitrary objects
        state = torch.load(file, map_location="cpu", weights_only=True)
        found.update({n: state[n] for n in names if n in state})
    return found


def _check_loading(info: dict[str, Any], checkpoint: Checkpoint, allowed_unexpected: set[str]) -> None:
    missing = sorted(info.get("missing_keys") or [])
    unexpected = sorted(set(info.get("unexpected_keys") or []) - allowed_unexpected)
    mismatched = sorted(str(k) for k in info.get("mismatched_keys") or [])
    problems = []
    if missing:
        problems.append(f"missing weights {missing[:6]} (a base model without a trained reward head?)")
    if unexpected:
        problems.append(f"unexpected weights {unexpected[:6]} (a head this loader does not know)")
    if mismatched:
        problems.append(f"weights of the wrong shape {mismatched[:6]}")
    if problems:
        raise InputError(f"model {checkpoint.name!r} does not load cleanly: " + "; ".join(problems))


PREFIX_SHARING_MODELS = frozenset({"llama", "mistral", "qwen2", "qwen3"})
"""Backbones whose plain key/value cache :meth:`TransformersEngine.forward_shared` reuses (tested
on Llama); Gemma-2's sliding-window cache and the rest take the ordinary path."""


class TransformersEngine:
    """A loaded model: the backbone plus linear head (``split``), or an opaque custom model."""

    def __init__(self, *, tokenizer: Any, attributes: list[str], max_length: int,
                 description: dict[str, Any], device: torch.device, pad_id: int,
                 backbone: nn.Module | None = None, head: nn.Module | None = None,
                 model: nn.Module | None = None) -> None:
        self.tokenizer = tokenizer
        self.attributes = attributes
        self.max_length = max_length
        self.description = description
        self.device = device
        self.pad_id = pad_id
        self.backbone, self.head, self.model = backbone, head, model

    @property
    def shares_prefixes(self) -> bool:
        """Whether :meth:`forward_shared` applies: a backbone with a plain key/value cache (not
        Gemma-2's sliding-window cache) placed on one device."""
        if self.backbone is None:
            return False
        model_type = getattr(getattr(self.backbone, "config", None), "model_type", "")
        return model_type in PREFIX_SHARING_MODELS and not hasattr(self.backbone, "hf_device_map")

    @functools.cached_property
    def _cache_argument(self) -> str:
        """The backbone's name for a key/value cache input (``cache`` from transformers 5 on)."""
        return "cache" if "cache" in inspect.signature(self.backbone.forward).parameters else "past_key_values"

    def forward_shared(self, prefix: Sequence[int], suffixes: Sequence[Sequence[int]]) -> np.ndarray:
        """Scores of ``prefix + suffix`` for every suffix, with the prefix computed once: its
        key/value cache is repeated for the suffixes, which are right-padded and read at their
        last real token, at the positions they have in the full sequences."""
        assert self.backbone is not None
        with torch.inference_mode():
            head_ids = torch.tensor([list(prefix)], dtype=torch.long, device=self.device)
            first = self.backbone(input_ids=head_ids, use_cache=True)
            cache = getattr(first, "cache", None) or first.past_key_values  # renamed in transformers 5
            cache.batch_repeat_interleave(len(suffixes))
            ids, mask, last = right_padded(suffixes, self.pad_id, self.device)
            attention = torch.cat([torch.ones(len(suffixes), len(prefix), dtype=mask.dtype,
                                              device=self.device), mask], dim=1)
            positions = torch.arange(len(prefix), len(prefix) + ids.shape[1], device=self.device)
            hidden = self.backbone(input_ids=ids, attention_mask=attention, **{self._cache_argument: cache},
                                   position_ids=positions.expand(len(suffixes), -1),
                                   use_cache=False).last_hidden_state
            states = hidden[torch.arange(len(suffixes), device=self.device), last]
            scores = self.head(states) if self.head is not None else states
        return scores.float().cpu().numpy().astype(np.float64).reshape(len(suffixes), -1)

    def forward(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        """Scores of right-padded rows, read at each row's last real token."""
        with torch.inference_mode():
            if self.backbone is not None:
                last = last_token_states(self.backbone, batch, self.pad_id, self.device)
                scores = self.head(last) if self.head is not None else last
            else:
                assert self.model is not None
                ids, mask, _ = right_padded(batch, self.pad_id, self.device)
                scores = model_output_scores(self.model(input_ids=ids, attention_mask=mask),
                                             self.description["model"])
        return scores.float().cpu().numpy().astype(np.float64).reshape(len(batch), -1)


def model_output_scores(output: Any, name: str) -> torch.Tensor:
    """The columns of a model's own forward output: ``logits``; or, for multi-objective reward
    models run through their authors' code (ArmoRM, QRM), ``score`` (the reward: QRM's
    expectation, ArmoRM's gated preference score) then the per-attribute ``rewards`` and the
    flattened ``reward_quantiles`` as further features."""
    logits = getattr(output, "logits", None)
    if logits is not None:
        return logits
    parts = [getattr(output, key, None) for key in ("score", "rewards", "reward_quantiles")]
    found = [p.reshape(p.shape[0], -1) for p in parts if p is not None]
    if not found:
        raise InputError(f"model {name!r} returned none of logits, score, rewards, reward_quantiles; "
                         "preftree cannot read its scores")
    return torch.cat(found, dim=1)


def output_names(output: Any, config: Any) -> list[str] | None:
    """Column names for :func:`model_output_scores` of a multi-objective output (``None`` for
    plain logits): ``reward``, then the attribute names, then ``<attribute>_q<k>``."""
    if getattr(output, "logits", None) is not None:
        return None
    rewards = getattr(output, "rewards", None)
    quantiles = getattr(output, "reward_quantiles", None)
    k = 0 if rewards is None else int(rewards.reshape(rewards.shape[0], -1).shape[1])
    id2label = {int(i): str(v) for i, v in (getattr(config, "id2label", None) or {}).items()}
    attributes = [id2label.get(i, f"attribute_{i}") if len(id2label) >= k else f"attribute_{i}"
                  for i in range(k)]
    names = (["reward"] if getattr(output, "score", None) is not None else []) + attributes
    if quantiles is not None:
        per = quantiles.reshape(quantiles.shape[0], -1).shape[1]
        groups = max(k, 1)
        names += [f"{attributes[j // (per // groups)] if attributes else 'reward'}_q{j % (per // groups)}"
                  for j in range(per)]
    return names


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


def _mapped_devices(module: nn.Module) -> tuple[torch.device, torch.device]:
    """Where inputs go and where the last hidden state comes out, for a model placed by
    accelerate: the input embeddings' device, and the last device of the map (the CPU for
    weights offloaded to disk, which accelerate streams in)."""
    placement = getattr(module, "hf_device_map", None) or {}
    devices = [torch.device(f"cuda:{d}" if isinstance(d, int) else ("cpu" if d == "disk" else d))
               for d in placement.values()]
    embedding = module.get_input_embeddings().weight.device  # type: ignore[operator,union-attr]
    first = torch.device("cpu") if embedding.type == "meta" else embedding
    return first, (devices[-1] if devices else first)


def _max_length(options: ScoringOptions, tokenizer: Any, config: Any, checkpoint: Checkpoint) -> int:
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


def load_engine(checkpoint: Checkpoint, options: ScoringOptions) -> TransformersEngine:
    """Load tokenizer and model from a resolved checkpoint folder, in eval mode on the device."""
    with quiet_transformers(), checkpoint_errors(checkpoint.name, checkpoint.path):
        return _load(checkpoint, options)


def _load(checkpoint: Checkpoint, options: ScoringOptions) -> TransformersEngine:
    folder, remote = str(checkpoint.path), options.trust_remote_code
    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=remote)
    config = AutoConfig.from_pretrained(folder, trust_remote_code=remote)
    device = pick_device(options.device)
    dtype = pick_dtype(options.dtype, device, config)
    kwargs: dict[str, Any] = {"dtype": dtype, "output_loading_info": True}
    if options.attn_implementation:
        kwargs["attn_implementation"] = options.attn_implementation
    if options.device_map:  # accelerate places (and offloads) the weights itself
        kwargs["device_map"] = options.device_map
        if options.max_memory:
            kwargs["max_memory"] = {int(k) if str(k).isdigit() else k: v
                                    for k, v in options.max_memory.items()}
        if options.offload_folder:
            kwargs["offload_folder"] = options.offload_folder
    architecture = checkpoint.architecture
    built = build_model(checkpoint, options, config, kwargs)
    backbone, head, model, num_outputs, head_name = (built.backbone, built.head, built.model,
                                                     built.num_outputs, built.head_name)
    pad_id = tokenizer.pad_token_id
    if pad_id is None:  # rows are right-padded and masked, so any id works as filler
        pad_id = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
    if options.device_map:
        device, head_device = _mapped_devices(backbone if backbone is not None else model)
        for module in (backbone, model):
            if module is not None:
                module.eval()
        if head is not None:
            head.to(device=head_device, dtype=dtype).eval()
    else:
        for module in (backbone, head, model):
            if module is not None:
                module.to(device=device, dtype=dtype).eval()
    if model is not None and getattr(model.config, "pad_token_id", None) is None:
        model.config.pad_token_id = pad_id
    probed = None
    if model is not None and options.output != "hidden":  # the model's own forward: see its outputs
        with torch.inference_mode():
            ids, mask, _ = right_padded([[int(pad_id), int(pad_id)]], int(pad_id), device)
            output = model(input_ids=ids, attention_mask=mask)
        probed = output_names(output, config)
    if options.output == "hidden":
        attributes = [f"hidden_{i}" for i in range(num_outputs)]
    elif probed is not None:
        attributes = probed
        head_name = f"{head_name}: " + ", ".join(
            k for k in ("score", "rewards", "reward_quantiles") if getattr(output, k, None) is not None)
    else:
        attributes = attribute_names(config, num_outputs, decision_tree=checkpoint.is_decision_tree_reward)
    max_length = _max_length(options, tokenizer, config, checkpoint)
    description = {"model": checkpoint.name, "revision": checkpoint.revision, "backend": "transformers",
                   "architecture": architecture, "head": head_name, "dtype": str(dtype).removeprefix("torch."),
                   "max_length": max_length, "attributes": attributes}
    if options.device_map:  # where the weights went; scores do not depend on it
        description["device_map"] = str(options.device_map)
    return TransformersEngine(tokenizer=tokenizer, attributes=attributes, max_length=max_length,
                              description=description, device=device, pad_id=int(pad_id),
                              backbone=backbone, head=head, model=model)
