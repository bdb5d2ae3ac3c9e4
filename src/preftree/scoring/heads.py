"""Reward heads recognised from the weights a checkpoint holds, whatever its config's
``architectures`` says, so custom reward models load without their remote code.

| kind           | weights outside the backbone                    | the reward                               |
|----------------|-------------------------------------------------|------------------------------------------|
| ``linear``     | ``score.weight`` (K × H), optional ``score.bias`` | ``score(h)`` at the last token (standard classifiers, the seed's biased 5-way head) |
| ``mlp``        | ``score.0.weight/bias``, ``score.2.weight/bias`` | ``Linear(ReLU(Linear(h)))``: INF-ORM's ``Sequential(Linear(h, h), ReLU, Linear(h, 1))`` |
| ``token-logit``| ``lm_head.weight`` (or tied embeddings)         | the logit of one vocabulary id at the last input position, i.e. at the first generated position (Nemotron-70B-Reward-HF: id 0) |

A causal language model is never taken for a reward model by accident: ``token-logit`` is chosen
only when asked for (``--head token-logit:ID``, or the model catalogue). Nor is an activation
guessed: an MLP-shaped head in a checkpoint that ships its own modeling code (``auto_map``) is
read as INF-ORM's only with ``--head mlp``; otherwise that code must run (``--trust-remote-code``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from ..errors import InputError

__all__ = ["BACKBONE_PREFIXES", "HEAD_KINDS", "MLP_KEYS", "TokenLogitHead", "detect_head",
           "head_weight_names", "mlp_head", "parse_head", "weight_names"]

HEAD_KINDS = {
    "linear": "score.weight (+ score.bias): a linear head at the last token",
    "mlp": "score.0.weight/bias + score.2.weight/bias: Linear-ReLU-Linear (INF-ORM)",
    "token-logit": "lm_head.weight: one vocabulary logit at the first generated position "
                   "(--head token-logit:ID; Nemotron-Reward: ID 0)",
}
MLP_KEYS = ("score.0.weight", "score.0.bias", "score.2.weight", "score.2.bias")
BACKBONE_PREFIXES = ("model.", "transformer.", "backbone.", "gpt_neox.", "embed_out.")


def weight_names(folder: Path) -> list[str]:
    """Every tensor name in a checkpoint folder (safetensors, sharded or not; or a .bin)."""
    index = folder / "model.safetensors.index.json"
    if index.exists():
        from .._inputs import read_json_file

        return sorted(read_json_file(index, what="weights index")["weight_map"])
    files = sorted(folder.glob("*.safetensors"))
    if files:
        from safetensors import safe_open

        names: list[str] = []
        for file in files:
            with safe_open(str(file), framework="pt") as handle:
                names += list(handle.keys())
        return sorted(names)
    names = []
    for file in sorted(folder.glob("*.bin")):
        names += list(torch.load(file, map_location="cpu", weights_only=True))
    return sorted(names)


def head_weight_names(names: Sequence[str]) -> list[str]:
    """The weights outside the backbone (what a head is made of)."""
    return [n for n in names if not n.startswith(BACKBONE_PREFIXES)]


def detect_head(names: Sequence[str]) -> str | None:
    """``mlp`` when INF-ORM's layout is present; ``linear`` for ``score.weight`` (± bias);
    ``None`` when the weights show no head preftree knows."""
    present = set(names)
    if set(MLP_KEYS) <= present:
        return "mlp"
    if "score.weight" in present:
        return "linear"
    return None


def parse_head(spec: str) -> tuple[str, int | None]:
    """``auto`` / ``linear`` / ``mlp`` / ``token-logit:ID`` → (kind, token id).

    >>> parse_head("token-logit:0"), parse_head("mlp")
    (('token-logit', 0), ('mlp', None))
    """
    kind, _, token = spec.partition(":")
    if kind not in ("auto", *HEAD_KINDS):
        raise InputError(f"unknown head {spec!r}; kinds known: auto, "
                         + "; ".join(f"{k} ({v})" for k, v in HEAD_KINDS.items()))
    if kind == "token-logit":
        if not token.strip().isdigit():
            raise InputError(f"--head {spec!r}: name the vocabulary id, e.g. token-logit:0")
        return kind, int(token)
    if token:
        raise InputError(f"--head {spec!r}: only token-logit takes an id")
    return kind, None


def unknown_head_error(name: str, names: Sequence[str], architecture: str | None) -> InputError:
    """The error for a checkpoint whose head preftree does not know: the weights found and the
    kinds known."""
    found = head_weight_names(names)
    shown = ", ".join(found[:12]) + (" ..." if len(found) > 12 else "") or "none"
    return InputError(f"model {name!r} (architecture {architecture!r}) has a head preftree does not "
                      f"know: weights outside the backbone: {shown}. Kinds known: "
                      + "; ".join(f"{k}: {v}" for k, v in HEAD_KINDS.items())
                      + ". Pass --head KIND, or --trust-remote-code to run the model's own code")


def mlp_head(tensors: dict[str, torch.Tensor]) -> nn.Sequential:
    """INF-ORM's ``Sequential(Linear(h, h), ReLU, Linear(h, 1))`` from its four tensors."""
    first, last = tensors["score.0.weight"], tensors["score.2.weight"]
    head = nn.Sequential(nn.Linear(first.shape[1], first.shape[0]), nn.ReLU(),
                         nn.Linear(last.shape[1], last.shape[0]))
    head.load_state_dict({"0.weight": first, "0.bias": tensors["score.0.bias"],
                          "2.weight": last, "2.bias": tensors["score.2.bias"]})
    return head


class TokenLogitHead(nn.Module):
    """One row of a language-model head: the logit of ``token_id`` from the last hidden state
    (with the model's final logit soft-capping, as its own forward applies it)."""

    def __init__(self, output_embeddings: nn.Module, token_id: int, softcap: float | None) -> None:
        super().__init__()
        weight = output_embeddings.weight
        if not 0 <= token_id < weight.shape[0]:
            raise InputError(f"token id {token_id} is outside the vocabulary (0..{weight.shape[0] - 1})")
        self.linear = nn.Linear(weight.shape[1], 1, bias=getattr(output_embeddings, "bias", None) is not None)
        with torch.no_grad():
            self.linear.weight.copy_(weight[token_id:token_id + 1])
            if self.linear.bias is not None:
                self.linear.bias.copy_(output_embeddings.bias[token_id:token_id + 1])
        self.softcap = softcap

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        logits = self.linear(hidden)
        return torch.tanh(logits / self.softcap) * self.softcap if self.softcap else logits
