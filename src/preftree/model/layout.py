"""preftree's model folder: a standard transformers checkpoint plus ``preftree_tree.json``.

The weights are the backbone plus ``score.weight`` and ``score.bias`` (a biased linear head over
the last token, as in the seed's models), saved by ``save_pretrained`` of the backbone's own
``*ForSequenceClassification`` class. The config carries ``id2label`` (the attributes) and
``"preftree_head": "linear_bias"``, which tells preftree's loader to read the bias too; no remote
code and no pickle are involved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._folders import output_dir
from ..errors import InputError
from ..scoring.checkpoint import PREFTREE_HEAD_KEY
from ..scoring.scorer import RewardScorer
from ..tree import PreferenceTree

__all__ = ["TREE_FILE", "save_model_folder", "write_checkpoint"]

TREE_FILE = "preftree_tree.json"
"""The tree of a preftree model folder, in preftree's JSON format."""


def write_checkpoint(folder: Path, *, backbone: Any, head: Any, source_config: Path,
                     attributes: list[str], tokenizer: Any, chat_template: str) -> None:
    """Save ``backbone`` + biased linear ``head`` as a sequence-classifier checkpoint in ``folder``."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    from ..scoring.backends.torch_support import quiet_transformers

    config = AutoConfig.from_pretrained(source_config)
    if hasattr(config, "auto_map"):  # the seed's remote-code pointers do not apply to this folder
        delattr(config, "auto_map")
    config.architectures = None
    config.num_labels = len(attributes)
    config.id2label = dict(enumerate(attributes))
    config.label2id = {name: i for i, name in enumerate(attributes)}
    setattr(config, PREFTREE_HEAD_KEY, "linear_bias")
    if getattr(config, "pad_token_id", None) is None and tokenizer.pad_token_id is not None:
        config.pad_token_id = tokenizer.pad_token_id
    with torch.device("meta"):  # an empty shell: the real modules are put in below
        shell = AutoModelForSequenceClassification.from_config(config)
    setattr(shell, shell.base_model_prefix, backbone)
    shell.score = head
    tokenizer.chat_template = chat_template
    with quiet_transformers():
        shell.save_pretrained(folder)
        tokenizer.save_pretrained(folder)


def save_model_folder(scorer: RewardScorer, tree: PreferenceTree | None, folder: Path, *,
                      force: bool = False) -> Path:
    """Write a loaded scorer (and its tree) in preftree's layout, atomically; the model's own
    folder and a folder preftree did not write are refused (see :func:`preftree._folders.output_dir`)."""
    engine = scorer.loaded_model
    backbone, head = getattr(engine, "backbone", None), getattr(engine, "head", None)
    if backbone is None or head is None or scorer.checkpoint is None:
        raise InputError("only a backbone + linear-head model can be saved in preftree's layout "
                         f"({scorer.description.get('head')!r} cannot)")
    if head.bias is None:
        import torch

        unbiased = head
        head = torch.nn.Linear(head.in_features, head.out_features, bias=True).to(head.weight)
        head.weight.data.copy_(unbiased.weight.data)
        head.bias.data.zero_()
    source = scorer.checkpoint.path
    with output_dir(folder, [source], force=force) as tmp:
        write_checkpoint(tmp, backbone=backbone, head=head, source_config=scorer.checkpoint.path,
                         attributes=scorer.attributes, tokenizer=engine.tokenizer,
                         chat_template=scorer.formatter.template)
        if tree is not None:
            tree.save(tmp / TREE_FILE, metadata={"attributes": scorer.attributes,
                                                 "model": scorer.description.get("model")})
    return folder
