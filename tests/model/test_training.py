"""The training recipe end to end on a tiny random backbone, with data in HelpSteer2's Hub schema.

Ratings are built with a known linear structure in the backbone's own last-token hidden states, and
preferences with a known rule over the true attributes: the head must recover the first (held-out
R² ≥ 0.9) and the tree the second.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from preftree import DecisionTreeRewardModel
from preftree.cli import cli
from preftree.model.training import load_ratings, train_head
from preftree.scoring import RewardScorer

from ..conftest import write_jsonl

ATTRS = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]


@pytest.fixture(scope="module")
def hub(tmp_path_factory, tiny_model, demo_pairs):
    """nvidia/HelpSteer2 (ratings + preference/) laid out as on the Hub, for the demo texts."""
    backbone = tiny_model("llama", 1)
    pairs = list(demo_pairs)
    prompts = [p.prompt for p in pairs] * 2
    responses = [p.response_1 for p in pairs] + [p.response_2 for p in pairs]
    hidden = RewardScorer.from_pretrained(backbone, output="hidden", progress=False).score(prompts, responses)
    rng = np.random.default_rng(0)
    weight = rng.normal(size=(5, hidden.shape[1]))
    signal = hidden @ weight.T
    true = (signal - signal.mean(0)) / signal.std(0) + 2.0
    ratings = true + 0.1 * rng.normal(size=true.shape)
    root = tmp_path_factory.mktemp("hub")
    n = len(pairs)
    rows = {"train": [], "validation": []}
    for i in range(2 * n):
        split = "train" if i % n < 240 else "validation"
        record = {"prompt": prompts[i], "response": responses[i],
                  **{a: float(ratings[i, k]) for k, a in enumerate(ATTRS)}}
        if i % 17 == 0:
            record["verbosity"] = None  # a missing rating: masked, not imputed
        rows[split].append(record)
    write_jsonl(root / "nvidia/HelpSteer2/train.jsonl", rows["train"])
    write_jsonl(root / "nvidia/HelpSteer2/validation.jsonl", rows["validation"])
    delta = true[n:] - true[:n]
    # known rule: a clear helpfulness gap decides; otherwise the less verbose response wins
    rule = np.where(np.abs(delta[:, 0]) > 0.5, np.sign(delta[:, 0]), -np.sign(delta[:, 4]))
    preference = [{"split": "train" if i < 240 else "val", "prompt": pairs[i].prompt,
                   "response_1": pairs[i].response_1, "response_2": pairs[i].response_2,
                   "preference_strength": int(2 * rule[i]), "preference_statement": "",
                   "preference_elaboration": ""} for i in range(n)]
    write_jsonl(root / "nvidia/HelpSteer2/preference/preference.jsonl", preference)
    return root, backbone


def test_train_head_then_fit_tree_from_the_cli(hub, tmp_path):
    root, backbone = hub
    out, cache = tmp_path / "dtr-model", tmp_path / "cache.sqlite"
    result = CliRunner().invoke(cli, ["train-head", "--model", str(backbone), "--data",
                                      "nvidia/HelpSteer2", "--hub-root", str(root), "--out", str(out),
                                      "--cache", str(cache)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "head_report.json").read_text())
    metrics = {m["attribute"]: m for m in report["metrics"]}
    assert all(metrics[a]["r2"] >= 0.9 for a in ATTRS), metrics
    assert metrics["verbosity"]["n_train"] < metrics["helpfulness"]["n_train"]  # masked rows
    assert "helpfulness" in result.output and "r2" in result.output

    fitted = CliRunner().invoke(cli, ["fit-tree", "--model", str(out), "--pairs",
                                      "nvidia/HelpSteer2:preference", "--hub-root", str(root),
                                      "--cache", str(cache)])
    assert fitted.exit_code == 0, fitted.output
    assert "helpfulness alone" in fitted.output
    tree_meta = json.loads((out / "preftree_tree.json").read_text())["metadata"]
    assert tree_meta["n_valid_pairs"] > 40
    assert tree_meta["validation_accuracy"] >= 0.85
    assert tree_meta["validation_accuracy"] > tree_meta["single_attribute_accuracy"]["helpfulness"]
    # the label reading is printed, the counts add up, and every leaf honours the minimum size
    assert "'preference_strength' read as strength (the published coding of HelpSteer2-Preference)" \
        in fitted.output
    counts = [tree_meta[k] for k in ("n_train", "n_train_ties", "n_valid", "n_valid_ties")]
    assert f"{sum(counts)} labelled pairs: {counts[0]} to train on" in fitted.output
    structure = json.loads((out / "preftree_tree.json").read_text())
    leaf_sizes = [node["n"] for node in _nodes(structure) if node.get("leaf")]
    assert leaf_sizes and min(leaf_sizes) >= max(1, int(0.01 * counts[0]))
    again = CliRunner().invoke(cli, ["fit-tree", "--model", str(out), "--pairs",
                                     "nvidia/HelpSteer2:preference", "--hub-root", str(root),
                                     "--cache", str(cache), "--min-leaf", "25"])
    assert again.exit_code == 0, again.output
    big = json.loads((out / "preftree_tree.json").read_text())
    assert min(node["n"] for node in _nodes(big) if node.get("leaf")) >= 25

    model = DecisionTreeRewardModel.from_pretrained(out, progress=False)
    assert model.tree is not None and model.attributes == ATTRS
    used = set(np.asarray(model.tree.feature_names_)[model.tree.feature_importances_ > 0])
    assert {"helpfulness_diff", "verbosity_diff"} <= used


def test_too_few_pairs_for_fit_tree_and_a_model_folder_of_user_files(hub, tmp_path):
    root, backbone = hub
    out, cache = tmp_path / "dtr-model", tmp_path / "cache.sqlite"
    train = ["train-head", "--model", str(backbone), "--data", "nvidia/HelpSteer2", "--hub-root",
             str(root), "--cache", str(cache)]
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "weights-i-need.bin").write_bytes(b"x")
    refused = CliRunner().invoke(cli, [*train, "--out", str(tmp_path / "mine")])
    assert refused.exit_code == 2 and "preftree did not write it" in refused.output
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["weights-i-need.bin"]
    assert CliRunner().invoke(cli, [*train, "--out", str(out)]).exit_code == 0
    few = write_jsonl(tmp_path / "few.jsonl", [
        {"id": f"p{i}", "prompt": f"q{i}", "response_1": "a", "response_2": "b" * (i + 1),
         "label": 1 if i else -1} for i in range(2)])
    result = CliRunner().invoke(cli, ["fit-tree", "--model", str(out), "--pairs", str(few),
                                      "--cache", str(cache)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "fit-tree needs both" in result.output and "few.jsonl" in result.output


def test_a_rerun_reads_hidden_states_from_the_cache(hub, tmp_path):
    root, backbone = hub
    ratings = load_ratings("nvidia/HelpSteer2", hub_root=root)
    assert len(ratings) == 600 and set(ratings["split"]) == {"train", "validation"}
    cache = tmp_path / "cache.sqlite"
    first = train_head(backbone, ratings, tmp_path / "a", cache=cache, progress=False)
    second = train_head(backbone, ratings, tmp_path / "b", cache=cache, progress=False)
    np.testing.assert_allclose(first.metrics["r2"], second.metrics["r2"])
    from preftree.scoring.cache import ScoreCache

    with ScoreCache(cache) as store:
        assert store.count() == 599  # one hidden state per distinct text, computed once


def test_ratings_file_errors_name_the_row(tmp_path, tiny_model):
    bad = tmp_path / "ratings.jsonl"
    write_jsonl(bad, [{"prompt": "p", "response": "r", "helpfulness": "high"}])
    ratings = load_ratings(bad)
    from preftree.errors import InputError

    with pytest.raises(InputError, match=r"row 1: rating 'helpfulness' = 'high' is not a number"):
        train_head(tiny_model("llama", 1), ratings, tmp_path / "out", attributes=["helpfulness"],
                   origin=str(bad), progress=False)
    assert not (tmp_path / "out").exists()


def _nodes(tree_json: dict) -> list[dict]:
    """Every node of a preftree tree file with its sample count and whether it is a leaf."""
    return [{"n": node["n_samples"], "leaf": "left" not in node or node["left"] in (None, -1)}
            for node in tree_json["nodes"]]
