"""Custom-code models load only with trust_remote_code=True. The custom code here is a real
modeling file in the checkpoint folder (a two-layer head, so preftree must run the model's own
forward), registered with ``auto_map`` exactly as Hub repositories with remote code do."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import LlamaConfig

from preftree.errors import InputError
from preftree.scoring import RewardScorer
from preftree.scoring.chat import conversation

from ..conftest import import_model_source

MODELING = '''
import torch
from transformers import LlamaForSequenceClassification


class TinyCustomRewardModel(LlamaForSequenceClassification):
    """A reward model whose head is not one linear layer."""

    def __init__(self, config):
        super().__init__(config)
        self.score = torch.nn.Sequential(torch.nn.Linear(config.hidden_size, 8), torch.nn.Tanh(),
                                         torch.nn.Linear(8, config.num_labels))
        self.post_init()
'''


@pytest.fixture(scope="module")
def custom_model(tmp_path_factory, tokenizer):
    folder = tmp_path_factory.mktemp("custom")
    model_class = import_model_source(tmp_path_factory.mktemp("source"), "modeling_tiny_custom",
                                      MODELING, "TinyCustomRewardModel")
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         num_labels=2, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    model = model_class(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder, model.eval()


def test_custom_code_runs_only_when_trusted(custom_model, demo_pairs):
    folder, reference = custom_model
    with pytest.raises(InputError, match="needs custom code"):
        RewardScorer.from_pretrained(folder, progress=False)
    scorer = RewardScorer.from_pretrained(folder, progress=False, trust_remote_code=True)
    assert "forward" in scorer.description["head"]  # the model's own forward, not preftree's head
    pairs = list(demo_pairs)[:12]
    scores = scorer.score([p.prompt for p in pairs], [p.response_1 for p in pairs])
    one_by_one = RewardScorer.from_pretrained(folder, progress=False, trust_remote_code=True,
                                              batch_tokens=1)
    np.testing.assert_allclose(one_by_one.score([p.prompt for p in pairs],
                                                [p.response_1 for p in pairs]), scores, atol=1e-4)
    tok = scorer.loaded_model.tokenizer
    with torch.no_grad():
        for pair, row in zip(pairs[:3], scores):
            text = tok.apply_chat_template(conversation(pair.prompt, pair.response_1), tokenize=False)
            ids = torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])
            np.testing.assert_allclose(row, reference(ids).logits[0].numpy(), atol=1e-4)
