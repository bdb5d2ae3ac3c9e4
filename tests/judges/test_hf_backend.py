"""The hf judge backend: a tiny random-weight causal LM with a real BPE tokenizer, built offline."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch", reason="the hf judge backend needs preftree[hf]")
transformers = pytest.importorskip("transformers", reason="the hf judge backend needs preftree[hf]")

from preftree import PairSet  # noqa: E402
from preftree.judges import JudgePrompt, collect_judgments, journal_path  # noqa: E402
from preftree.judges.hf_backend import HFBackend, HFOptions  # noqa: E402


@pytest.fixture(scope="module")
def causal_lm(tmp_path_factory, tokenizer):
    config = transformers.LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                                      num_hidden_layers=2, num_attention_heads=4,
                                      num_key_value_heads=2, max_position_embeddings=2048)
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(config)
    with torch.no_grad():  # spread the logits so that A and B differ visibly
        model.lm_head.weight.normal_(0.0, 2.0)
    folder = tmp_path_factory.mktemp("judge-lm")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_verdicts_come_from_next_token_probabilities(causal_lm, demo_pairs, tmp_path):
    pairs = PairSet(list(demo_pairs)[:12])
    backend = HFBackend(HFOptions(model=str(causal_lm), batch_tokens=2048))
    summary = collect_judgments(pairs, backend, tmp_path / "hf.csv", judge="tiny", progress=False)
    assert summary.n_api_errors == 0 and summary.n_unparsable == 0
    rows = [json.loads(line) for line in journal_path(tmp_path / "hf.csv").read_text().splitlines()[1:]]
    assert len(rows) == 24
    for row in rows:
        assert row["verdict"] == ("A" if row["probability_a"] > 0.5 else "B")
    assert len({round(r["probability_a"], 6) for r in rows}) > 1
    # the reference: the model's own full forward on one unpadded prompt
    reference = transformers.AutoModelForCausalLM.from_pretrained(causal_lm).eval()
    tok = transformers.AutoTokenizer.from_pretrained(causal_lm)
    pair = list(pairs)[3]
    messages = JudgePrompt().render(pair.prompt, pair.response_2, pair.response_1)
    text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    ids = torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])
    with torch.no_grad():
        logits = reference(ids).logits[0, -1]
    letters = [tok("A", add_special_tokens=False)["input_ids"][0], tok("B", add_special_tokens=False)["input_ids"][0]]
    expected = torch.softmax(logits[letters], dim=-1)[0].item()
    got = next(r for r in rows if r["pair_id"] == pair.id and r["order"] == "swapped")
    assert got["probability_a"] == pytest.approx(expected, abs=1e-4)
    frame = pd.read_csv(tmp_path / "hf.csv")
    assert len(frame) == 12 and set(frame["preference"].dropna()) <= {-1, 0, 1}
    assert np.isfinite(frame["latency_orig_s"]).all()
