"""Tiny random-weight reward models with a real trained tokenizer, for offline tests, benchmarks and
trying the pipeline without downloading a checkpoint.

The checkpoints are written with ``save_pretrained`` in the same layouts as the Hub models
(a standard sequence classifier, or RLHFlow's Decision-Tree-Reward layout), so they load through
exactly the code path a Hub id takes. Their scores are random: they test plumbing, not quality.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError
from .checkpoint import HELPSTEER2_ATTRIBUTES

__all__ = ["CHAT_TEMPLATE", "save_tiny_reward_model", "train_tokenizer"]

CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n"
    "{{ message['content'] }}<|end|>\n{% endfor %}"
)
"""A small chat template in the style of Zephyr/Phi-3 templates, for the tiny tokenizers."""

_SPECIAL = ["<unk>", "<s>", "</s>", "<pad>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]


def train_tokenizer(corpus: Iterable[str], *, vocab_size: int = 2000, pad_token: bool = True,
                    chat_template: str | None = CHAT_TEMPLATE) -> Any:
    """Train a byte-level BPE on ``corpus`` and wrap it as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=_SPECIAL, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator(corpus, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<s>", eos_token="</s>",
                                        unk_token="<unk>", pad_token="<pad>" if pad_token else None)
    if chat_template is not None:
        tokenizer.chat_template = chat_template
    return tokenizer


def _config(architecture: str, vocab_size: int, num_labels: int, hidden_size: int, layers: int,
            heads: int, intermediate_size: int | None, max_positions: int, pad_id: int | None) -> Any:
    from transformers import Gemma2Config, LlamaConfig

    common = dict(vocab_size=vocab_size, hidden_size=hidden_size, num_hidden_layers=layers,
                  num_attention_heads=heads, num_key_value_heads=max(1, heads // 2),
                  intermediate_size=intermediate_size or 4 * hidden_size,
                  max_position_embeddings=max_positions, num_labels=num_labels,
                  pad_token_id=pad_id, bos_token_id=1, eos_token_id=2)
    if architecture == "llama":
        return LlamaConfig(**common)
    if architecture == "gemma2":
        return Gemma2Config(**common, head_dim=hidden_size // heads, sliding_window=max_positions)
    raise ConfigError(f"architecture must be 'llama' or 'gemma2', got {architecture!r}")


def save_tiny_reward_model(
    folder: str | Path,
    tokenizer: Any,
    *,
    architecture: Literal["llama", "gemma2"] = "llama",
    num_labels: int = 1,
    layout: Literal["sequence-classifier", "decision-tree-reward", "inf-orm", "causal-lm"] = "sequence-classifier",
    hidden_size: int = 64,
    layers: int = 2,
    heads: int = 4,
    intermediate_size: int | None = None,
    max_positions: int = 512,
    seed: int = 0,
) -> Path:
    """Save a random-weight reward model and its tokenizer to ``folder``; return the folder.

    ``layout="decision-tree-reward"`` writes RLHFlow's layout: a biased 5-way head, HelpSteer2
    attribute names in ``id2label`` and a remote-code class named in the config.
    ``layout="inf-orm"`` writes INF-ORM-Llama3.1-70B's: ``score = Sequential(Linear(h, h), ReLU,
    Linear(h, 1))`` (weights ``score.0.*``, ``score.2.*``) and ``INFORMForSequenceClassification``
    in ``architectures``. ``layout="causal-lm"`` writes a plain causal LM (``lm_head.weight``), the
    layout of Llama-3.1-Nemotron-70B-Reward-HF, whose reward is one vocabulary logit.
    """
    import torch
    from transformers import AutoModelForSequenceClassification

    folder = Path(folder)
    torch.manual_seed(seed)
    dtr = layout == "decision-tree-reward"
    labels = len(HELPSTEER2_ATTRIBUTES) if dtr else num_labels
    config = _config(architecture, len(tokenizer), labels, hidden_size, layers, heads,
                     intermediate_size, max_positions, tokenizer.pad_token_id)
    if dtr:
        config.id2label = dict(enumerate(HELPSTEER2_ATTRIBUTES))
        config.label2id = {name: i for i, name in enumerate(HELPSTEER2_ATTRIBUTES)}
    if layout == "causal-lm":
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_config(config)
        with torch.no_grad():  # spread the logits so that rewards differ visibly
            model.get_output_embeddings().weight.normal_(0.0, 1.0)
    else:
        model = AutoModelForSequenceClassification.from_config(config)
    if dtr:
        model.score = torch.nn.Linear(hidden_size, labels, bias=True)
    if layout == "inf-orm":
        model.score = torch.nn.Sequential(torch.nn.Linear(hidden_size, hidden_size), torch.nn.ReLU(),
                                          torch.nn.Linear(hidden_size, 1))
        with torch.no_grad():
            for layer in (model.score[0], model.score[2]):
                layer.weight.normal_(0.0, 1.0 / hidden_size ** 0.5)
                layer.bias.uniform_(-0.5, 0.5)
    elif layout != "causal-lm":
        with torch.no_grad():  # a visible head: random weights large enough to spread the scores
            model.score.weight.normal_(0.0, 1.0)
            if model.score.bias is not None:
                model.score.bias.uniform_(-1.0, 1.0)
    from .backends.torch_support import quiet_transformers

    with quiet_transformers():
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    if layout == "inf-orm":
        config_file = folder / "config.json"
        saved = json.loads(config_file.read_text(encoding="utf-8"))
        saved["architectures"] = ["INFORMForSequenceClassification"]
        config_file.write_text(json.dumps(saved, indent=2), encoding="utf-8")
    if dtr:
        prefix = "Gemma2" if architecture == "gemma2" else "Llama"
        config_file = folder / "config.json"
        saved = json.loads(config_file.read_text(encoding="utf-8"))
        saved["architectures"] = [f"{prefix}ForDecisionTreeRewardModel"]
        saved["auto_map"] = {"AutoModelForSequenceClassification":
                             f"modeling_decision_tree_reward.{prefix}ForDecisionTreeRewardModel"}
        config_file.write_text(json.dumps(saved, indent=2), encoding="utf-8")
    return folder
