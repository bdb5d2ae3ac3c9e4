"""The ``vllm`` backend: vLLM's offline engine on this node's GPUs (``tensor_parallel_size``).

Written to vLLM 0.33's documented API and run only where vLLM and a GPU are (the tests that use
it are marked ``gpu``; vLLM needs a CUDA build of torch and cannot be installed on a CPU machine):

- ``LLM(model, runner="pooling", tensor_parallel_size=..., pooler_config=PoolerConfig(...))``;
  there is no ``LLM.reward`` and no ``task=`` any more;
- a standard classifier goes through ``LLM.classify`` with ``PoolingParams(use_activation=False)``
  (vLLM applies a sigmoid to one label and a softmax to several unless told not to);
- every other head (the Decision-Tree-Reward biased head, INF-ORM's MLP, a token's logit) is not
  what vLLM's classifier adapter computes, so the backbone runs with LAST pooling and no
  normalisation (``LLM.embed``) and preftree applies the head, read from the weights, itself.

Prompts go in as token ids (``TokensPrompt``), so a chat-templated prompt keeps one BOS. Prefix
caching is on by default for LAST pooling: the prompt shared by a pair's responses is computed once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ...errors import MissingDependencyError
from ..checkpoint import Checkpoint, attribute_names
from ..options import ScoringOptions, VLLMOptions
from .vllm_server import _local_head, apply_head

__all__ = ["VLLMOfflineModel", "load_model"]


class VLLMOfflineModel:
    """A :class:`~preftree.scoring.backends.LoadedModel` over ``vllm.LLM`` (pooling runner)."""

    runs_unpadded = True  # vLLM schedules token lists itself: nothing is padded

    def __init__(self, *, llm: Any, task: str, head: torch.nn.Module | None, tokenizer: Any,
                 attributes: list[str], max_length: int, description: dict[str, Any]) -> None:
        self.llm, self.task, self.head = llm, task, head
        self.tokenizer, self.attributes, self.max_length = tokenizer, attributes, max_length
        self.description = description

    def forward(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        from vllm import PoolingParams
        from vllm.inputs import TokensPrompt

        prompts = [TokensPrompt(prompt_token_ids=list(map(int, row))) for row in batch]
        params = PoolingParams(use_activation=False)
        if self.task == "classify":
            outputs = self.llm.classify(prompts, pooling_params=params, use_tqdm=False)
            values = np.asarray([o.outputs.probs for o in outputs], dtype=np.float64)
        else:
            outputs = self.llm.embed(prompts, pooling_params=params, use_tqdm=False)
            values = apply_head(self.head, np.asarray([o.outputs.embedding for o in outputs], dtype=np.float64))
        return values.reshape(len(batch), -1)


def _parallel(options: ScoringOptions) -> int:
    own = options.backend_options
    return own.tensor_parallel_size if isinstance(own, VLLMOptions) else 1


def load_model(checkpoint: Checkpoint, options: ScoringOptions) -> VLLMOfflineModel:
    """Start vLLM on the checkpoint folder; the head (when vLLM's classifier does not fit) and the
    tokenizer are read locally."""
    try:
        from vllm import LLM
        from vllm.config import PoolerConfig
    except ImportError as exc:
        raise MissingDependencyError("the vllm backend needs preftree[vllm] on a machine with a GPU "
                                     f"(vLLM has no CPU wheel): {exc}") from None
    from transformers import AutoConfig, AutoTokenizer

    from .torch_support import model_max_length

    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint.path))
    config = AutoConfig.from_pretrained(str(checkpoint.path), trust_remote_code=options.trust_remote_code)
    task, head, outputs, head_name = _local_head(checkpoint, options)
    max_length = model_max_length(options, tokenizer, config, checkpoint)
    dtype = "auto" if options.dtype == "auto" else options.dtype
    llm = LLM(model=str(checkpoint.path), runner="pooling", tokenizer=str(checkpoint.path),
              tensor_parallel_size=_parallel(options), dtype=dtype, max_model_len=max_length,
              trust_remote_code=options.trust_remote_code, enable_prefix_caching=True,
              pooler_config=PoolerConfig(pooling_type="LAST", use_activation=False))
    attributes = attribute_names(config, outputs, decision_tree=checkpoint.is_decision_tree_reward)
    description = {"model": checkpoint.name, "revision": checkpoint.revision, "backend": "vllm",
                   "architecture": checkpoint.architecture, "head": head_name.replace("server's", "engine's"),
                   "dtype": dtype, "max_length": max_length, "attributes": attributes,
                   "tensor_parallel_size": _parallel(options)}
    return VLLMOfflineModel(llm=llm, task=task, head=head, tokenizer=tokenizer, attributes=attributes,
                             max_length=max_length, description=description)
