"""Building the model of a checkpoint for the transformers backend: a backbone plus a head that
preftree applies itself (linear, biased linear, INF-ORM's MLP, one token's logit), or the model's
own forward (remote code, opaque classifiers). See :mod:`preftree.scoring.heads` for the kinds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import transformers
from torch import nn
from transformers import (
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
)

from ...errors import InputError
from ..checkpoint import Checkpoint
from ..heads import (
    MLP_KEYS,
    TokenLogitHead,
    detect_head,
    mlp_head,
    parse_head,
    unknown_head_error,
    weight_names,
)
from ..options import ScoringOptions

__all__ = ["Built", "build_model"]

def read_tensors(folder: Path, names: Sequence[str]) -> dict[str, torch.Tensor]:
    """Named tensors from a checkpoint's safetensors files (sharded or not), or a .bin state dict."""
    found: dict[str, torch.Tensor] = {}
    index = folder / "model.safetensors.index.json"
    if index.exists():
        from ..._inputs import read_json_file

        weight_map = read_json_file(index, what="weights index")["weight_map"]
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


def check_loading(info: dict[str, Any], checkpoint: Checkpoint, allowed_unexpected: set[str]) -> None:
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



_HEAD_KEYS = ("score.weight", "score.bias")


@dataclass
class Built:
    """What was loaded: a backbone and a head, or a whole model; the output count and head name."""

    backbone: nn.Module | None
    head: nn.Module | None
    model: nn.Module | None
    num_outputs: int
    head_name: str


def _backbone(folder: str, config: Any, kwargs: dict[str, Any], checkpoint: Checkpoint,
              head_keys: set[str]) -> nn.Module:

    backbone, info = AutoModel.from_pretrained(folder, config=config, **kwargs)
    check_loading(info, checkpoint, head_keys)
    return backbone


def build_model(checkpoint: Checkpoint, options: ScoringOptions, config: Any,
                kwargs: dict[str, Any]) -> Built:
    """Load the checkpoint's backbone and head by the head's kind (asked for, or read from the
    weights present); a head that no kind fits is an error listing the weights and the kinds."""

    folder, remote, architecture = str(checkpoint.path), options.trust_remote_code, checkpoint.architecture
    if options.output == "hidden":  # any checkpoint's backbone; its heads are not used
        backbone, info = AutoModel.from_pretrained(folder, config=config, **kwargs)
        check_loading({"missing_keys": info.get("missing_keys")}, checkpoint, set())
        return Built(backbone, None, None, int(config.hidden_size), "last-token hidden state")
    kind: str | None
    kind, token_id = parse_head(options.head)
    names = weight_names(checkpoint.path)
    if kind == "auto" and not remote:
        kind = "linear-bias" if checkpoint.has_biased_linear_head else (
            detect_head(names) if architecture is None or not hasattr(transformers, architecture)
            else "standard")
    if kind == "token-logit":
        model, info = AutoModelForCausalLM.from_pretrained(folder, config=config, **kwargs)
        check_loading(info, checkpoint, set())
        cap = getattr(model.config, "final_logit_softcapping", None)
        head = TokenLogitHead(model.get_output_embeddings(), int(token_id or 0), cap)
        return Built(model.base_model, head, None, 1, f"token-logit(id {token_id} of "
                     f"{model.get_output_embeddings().weight.shape[0]})")
    if kind == "mlp" and options.head == "auto" and checkpoint.config.get("auto_map"):
        raise InputError(f"model {checkpoint.name!r} needs custom code: it ships its own modeling "
                         "code (auto_map) for an MLP head (score.0.*, score.2.*) whose activation the "
                         "weights do not tell; pass --trust-remote-code to run it, or --head mlp if it "
                         "is INF-ORM's Linear-ReLU-Linear")
    if kind == "mlp":
        tensors = read_tensors(checkpoint.path, MLP_KEYS)
        if set(tensors) != set(MLP_KEYS):
            raise unknown_head_error(checkpoint.name, names, architecture)
        backbone = _backbone(folder, config, kwargs, checkpoint, set(MLP_KEYS))
        head = mlp_head(tensors)
        hidden = tensors["score.0.weight"].shape
        return Built(backbone, head, None, int(tensors["score.2.weight"].shape[0]),
                     f"mlp(linear({hidden[1]}->{hidden[0]}), relu, linear->{tensors['score.2.weight'].shape[0]})")
    if kind in ("linear-bias", "linear") and (checkpoint.has_biased_linear_head or
                                              (architecture is not None and not hasattr(transformers, architecture))):
        tensors = read_tensors(checkpoint.path, _HEAD_KEYS)
        if "score.weight" not in tensors:
            raise unknown_head_error(checkpoint.name, names, architecture)
        backbone = _backbone(folder, config, kwargs, checkpoint, set(_HEAD_KEYS))
        weight, bias = tensors["score.weight"], tensors.get("score.bias")
        head = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
        head.load_state_dict({"weight": weight, **({"bias": bias} if bias is not None else {})})
        layout = "decision-tree-reward" if checkpoint.is_decision_tree_reward else (
            "preftree" if checkpoint.has_biased_linear_head else "custom")
        return Built(backbone, head, None, int(weight.shape[0]),
                     f"{layout} linear({weight.shape[1]}->{weight.shape[0]}" + (", bias)" if bias is not None else ")"))
    if not remote and detect_head(names) is None:  # e.g. a causal LM asked for as a classifier
        raise unknown_head_error(checkpoint.name, names, architecture)
    if kind in ("standard", "linear") or remote:
        if architecture is not None and not hasattr(transformers, architecture):
            kwargs = {**kwargs, "trust_remote_code": True}
        model, info = AutoModelForSequenceClassification.from_pretrained(folder, config=config, **kwargs)
        check_loading(info, checkpoint, set())
        score = getattr(model, "score", None)
        if isinstance(score, nn.Linear) and model.base_model is not model:
            return Built(model.base_model, score, None, int(model.config.num_labels),
                         f"linear({score.in_features}->{score.out_features}"
                         + (", bias)" if score.bias is not None else ")"))
        return Built(None, None, model, int(model.config.num_labels), f"{type(model).__name__} forward")
    raise unknown_head_error(checkpoint.name, names, architecture)
