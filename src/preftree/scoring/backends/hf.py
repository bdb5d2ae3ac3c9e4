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

import copy
import functools
import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from transformers import AutoConfig, AutoTokenizer

from ...errors import InputError
from ..checkpoint import Checkpoint, attribute_names
from ..options import ScoringOptions
from .hf_models import build_model
from .torch_support import (
    checkpoint_errors,
    last_token_states,
    mapped_devices,
    model_max_length,
    pick_device,
    pick_dtype,
    quiet_transformers,
    right_padded,
)

__all__ = ["TransformersModel", "load_model"]

PREFIX_SHARING_MODELS = frozenset({"llama", "mistral", "qwen2", "qwen3", "gemma2"})
"""Backbones whose key/value cache :meth:`TransformersModel.forward_shared` reuses (tested on
Llama and Gemma-2). Gemma-2 alternates full and sliding-window layers: within the window a
sliding layer's cache holds every token, like a full one, so rows up to the window share
(:attr:`TransformersModel.shared_length_limit`) and longer rows take the ordinary path."""


class TransformersModel:
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

    @property
    def shared_length_limit(self) -> int | None:
        """The longest row whose shared-prefix scores are exact: a sliding-window backbone's window
        (Gemma-2), or ``None`` for no limit."""
        config = getattr(self.backbone, "config", None)
        window = getattr(config, "sliding_window", None)
        layer_types = getattr(config, "layer_types", None) or []
        sliding = "sliding_attention" in layer_types or getattr(config, "model_type", "") == "gemma2"
        return int(window) if sliding and window else None

    @functools.cached_property
    def _cache_argument(self) -> str:
        """The backbone's name for a key/value cache input (``cache`` from transformers 5 on)."""
        if self.backbone is None:
            raise InputError("a model without a backbone has no key/value cache")
        return "cache" if "cache" in inspect.signature(self.backbone.forward).parameters else "past_key_values"

    @property
    def packs_sequences(self) -> bool:
        """Whether :meth:`forward_packed` applies: a backbone of a family whose masks follow packed
        position ids (block-diagonal attention), placed on one device."""
        return self.shares_prefixes

    @property
    def varlen_attention(self) -> bool:
        """Whether the attention kernel runs packed rows without a dense mask (FlashAttention's
        variable-length kernels): then packing costs no more than the tokens themselves."""
        config = getattr(self.backbone, "config", None)
        return str(getattr(config, "_attn_implementation", "") or "").startswith(
            ("flash_attention", "kernels-community/flash-attn"))

    def prefix_state(self, prefix: Sequence[int]) -> Any:
        """The key/value cache of ``prefix``, to score several batches of its suffixes with
        :meth:`forward_shared` while computing it once."""
        assert self.backbone is not None
        with torch.inference_mode():
            head_ids = torch.tensor([list(prefix)], dtype=torch.long, device=self.device)
            first = self.backbone(input_ids=head_ids, use_cache=True)
        return getattr(first, "cache", None) or first.past_key_values  # renamed in transformers 5

    def forward_shared(self, prefix: Sequence[int], suffixes: Sequence[Sequence[int]],
                       state: Any = None) -> np.ndarray:
        """Scores of ``prefix + suffix`` for every suffix, with the prefix computed once (or taken
        from ``state``, :meth:`prefix_state`'s cache, which stays as it was): its key/value cache
        is repeated for the suffixes, which are right-padded and read at their last real token,
        at the positions they have in the full sequences."""
        assert self.backbone is not None
        cache = self.prefix_state(prefix) if state is None else copy.deepcopy(state)
        with torch.inference_mode():
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

    def forward_packed(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        """Scores of rows packed end to end into one row without padding: position ids restart at
        every row, which the attention masks read as separate sequences, and each row is read at
        its own last token."""
        assert self.backbone is not None
        lengths = torch.tensor([len(row) for row in batch])
        ids = torch.tensor([token for row in batch for token in row], dtype=torch.long)
        starts = torch.cumsum(lengths, 0) - lengths
        positions = torch.arange(int(lengths.sum())) - torch.repeat_interleave(starts, lengths)
        with torch.inference_mode():
            hidden = self.backbone(input_ids=ids[None].to(self.device), attention_mask=None,
                                   position_ids=positions[None].to(self.device),
                                   use_cache=False).last_hidden_state[0]
            states = hidden[(starts + lengths - 1).to(self.device)]
            scores = self.head(states) if self.head is not None else states
        return scores.float().cpu().numpy().astype(np.float64).reshape(len(batch), -1)

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


def load_model(checkpoint: Checkpoint, options: ScoringOptions) -> TransformersModel:
    """Load tokenizer and model from a resolved checkpoint folder, in eval mode on the device."""
    with quiet_transformers(), checkpoint_errors(checkpoint.name, checkpoint.path):
        return _load(checkpoint, options)


def _load(checkpoint: Checkpoint, options: ScoringOptions) -> TransformersModel:
    folder, remote = str(checkpoint.path), options.trust_remote_code
    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=remote)
    config = AutoConfig.from_pretrained(folder, trust_remote_code=remote)
    device = pick_device(options.device)
    dtype = pick_dtype(options.dtype, device, config)
    kwargs: dict[str, Any] = {"dtype": dtype, "output_loading_info": True}
    own = options.transformers  # this backend's own options
    if own.attn_implementation:
        kwargs["attn_implementation"] = own.attn_implementation
    if own.device_map:  # accelerate places (and offloads) the weights itself
        kwargs["device_map"] = own.device_map
        if own.max_memory:
            kwargs["max_memory"] = {int(k) if str(k).isdigit() else k: v
                                    for k, v in own.max_memory.items()}
        if own.offload_folder:
            kwargs["offload_folder"] = own.offload_folder
    architecture = checkpoint.architecture
    built = build_model(checkpoint, options, config, kwargs)
    backbone, head, model, num_outputs, head_name = (built.backbone, built.head, built.model,
                                                     built.num_outputs, built.head_name)
    pad_id = tokenizer.pad_token_id
    if pad_id is None:  # rows are right-padded and masked, so any id works as filler
        pad_id = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
    if own.device_map:
        device, head_device = mapped_devices(backbone if backbone is not None else model)
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
    max_length = model_max_length(options, tokenizer, config, checkpoint)
    description = {"model": checkpoint.name, "revision": checkpoint.revision, "backend": "transformers",
                   "architecture": architecture, "head": head_name, "dtype": str(dtype).removeprefix("torch."),
                   "max_length": max_length, "attributes": attributes}
    if own.device_map:  # where the weights went; scores do not depend on it
        description["device_map"] = str(own.device_map)
    return TransformersModel(tokenizer=tokenizer, attributes=attributes, max_length=max_length,
                              description=description, device=device, pad_id=int(pad_id),
                              backbone=backbone, head=head, model=model)
