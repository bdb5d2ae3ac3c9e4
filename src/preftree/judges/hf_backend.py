"""The ``hf`` backend: a local causal LM through transformers. The verdict is read from the
next-token probabilities of "A" and "B" right after the prompt (rendered with the model's chat
template and its generation prompt), which also gives P(A)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np

from ..errors import InputError
from ..scoring.batching import batch_overhead_for, plan_batches
from .records import JudgeRequest, JudgeResult
from .settings import JudgeSettings

__all__ = ["HFBackend", "HFOptions"]


@dataclass(frozen=True)
class HFOptions:
    model: str
    dtype: str = "auto"
    device: str = "auto"
    batch_tokens: int = 8192
    chunk: int = 256
    chat_template: str | None = None
    max_length: int | None = None


class HFBackend:
    """Scores "A" against "B" as the first answer token, in length-sorted batches."""

    name = "hf"

    def __init__(self, options: HFOptions) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from ..scoring.backends.torch_support import (
            checkpoint_errors,
            pick_device,
            pick_dtype,
            quiet_transformers,
        )
        from ..scoring.checkpoint import resolve_checkpoint

        self.options = options
        checkpoint = resolve_checkpoint(options.model)
        with quiet_transformers(), checkpoint_errors(checkpoint.name, checkpoint.path):
            self.tokenizer = AutoTokenizer.from_pretrained(checkpoint.path)
            self.device = pick_device(options.device)
            self.model = AutoModelForCausalLM.from_pretrained(checkpoint.path)
        dtype = pick_dtype(options.dtype, self.device, self.model.config)
        self.model.to(device=self.device, dtype=dtype).eval()
        self.revision = checkpoint.revision
        from ..scoring.chat import load_chat_template

        template = (load_chat_template(options.chat_template)
                    if options.chat_template else getattr(self.tokenizer, "chat_template", None))
        if not template:
            raise InputError(f"the tokenizer of {options.model!r} has no chat template; pass "
                             "--chat-template FILE")
        self.template = template
        self.choice_ids = [self._letter_id(letter) for letter in ("A", "B")]
        self._torch = torch

    def _letter_id(self, letter: str) -> int:
        ids = self.tokenizer(letter, add_special_tokens=False)["input_ids"]
        if len(ids) != 1:
            raise InputError(f"the judge's tokenizer splits {letter!r} into {len(ids)} tokens; "
                             "the hf backend needs it to be one token")
        return int(ids[0])

    @classmethod
    def from_settings(cls, model: str, settings: JudgeSettings) -> HFBackend:
        """The backend a command's :class:`JudgeSettings` describe (as every judge backend)."""
        return cls(HFOptions(model=model, dtype=settings.dtype, device=settings.device,
                             chat_template=settings.chat_template))

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.options.model, "revision": self.revision}

    def _encode(self, messages: list[dict[str, str]]) -> list[int]:
        from ..scoring.chat import render_chat

        text = render_chat(self.tokenizer, self.template, messages, add_generation_prompt=True,
                           source=self.options.chat_template or f"the chat template of {self.options.model}")
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        limit = self.options.max_length
        return ids[-limit:] if limit else ids  # keep the end: the question and the answer slot

    def run(self, requests: Iterable[JudgeRequest], on_result: Callable[[JudgeResult], None],
            on_wait: Callable[[float, str], None] | None = None) -> None:
        iterator = iter(requests)
        while chunk := list(islice(iterator, self.options.chunk)):
            encoded = [self._encode(r.messages) for r in chunk]
            lengths = [len(e) for e in encoded]
            for batch in plan_batches(lengths, self.options.batch_tokens,
                                      batch_overhead=batch_overhead_for(self.device)):
                started = time.perf_counter()
                probabilities = self._p_a([encoded[i] for i in batch])
                elapsed = (time.perf_counter() - started) / len(batch)
                for i, p_a in zip(batch, probabilities):
                    verdict = "A" if p_a > 0.5 else "B" if p_a < 0.5 else None
                    on_result(JudgeResult(chunk[i].pair_id, chunk[i].order, f"P(A)={p_a:.4f}",
                                          verdict, None, elapsed, lengths[i], 1,
                                          probability_a=float(p_a)))

    def _p_a(self, rows: list[list[int]]) -> np.ndarray:
        from ..scoring.backends.torch_support import last_token_states

        torch = self._torch
        with torch.inference_mode():  # the LM head only at each row's last token, not the whole row
            last_hidden = last_token_states(self.model.base_model, rows, 0, self.device)
            picked = self.model.get_output_embeddings()(last_hidden)[:, self.choice_ids].float()
            cap = getattr(self.model.config, "final_logit_softcapping", None)
            if cap:  # Gemma-2 caps its logits; do as its forward does
                picked = torch.tanh(picked / cap) * cap
            return torch.softmax(picked, dim=-1)[:, 0].cpu().numpy()
