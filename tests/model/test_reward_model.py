"""DecisionTreeRewardModel on a tiny checkpoint in the seed's layout with a pickled sklearn tree."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier

from preftree import DecisionTreeRewardModel, load_judgments, load_pairs
from preftree.errors import InputError, UntrustedPickleError
from preftree.features.differences import diff_name
from preftree.tree import PreferenceTree

from ..conftest import seed_layout_scores

ATTRS = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]


class _Boom:
    """Unpickling this object writes a marker file: proof that a refused pickle was never opened."""

    marker: Path

    def __reduce__(self):
        return (Path.write_text, (self.marker, "unpickled!"))


@pytest.fixture(scope="module")
def seed_folder(tmp_path_factory, tiny_model, demo_pairs):
    """The seed's layout: remote-code class in the config, biased 5-way head, decision_tree.pkl."""
    folder, _, first, second = seed_layout_scores(tmp_path_factory, tiny_model, demo_pairs, "seed")
    diffs = second - first
    target = np.where(diffs[:, 0] + 0.3 * diffs[:, 4] > 0, 1, 0)  # 1 = response2 better (seed)
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(diffs, target)  # numpy: no names
    with (folder / "decision_tree.pkl").open("wb") as handle:
        pickle.dump(tree, handle)
    return folder


def test_seed_layout_and_pickle_load_with_trust_and_compare_has_the_seed_keys(seed_folder, demo_pairs):
    model = DecisionTreeRewardModel.from_pretrained(seed_folder, progress=False)
    assert model.tree is None and model.attributes == ATTRS
    with pytest.raises(UntrustedPickleError):
        model.load_decision_tree(seed_folder, filename="decision_tree.pkl")
    tree = model.load_decision_tree(seed_folder, filename="decision_tree.pkl", trust_pickle=True)
    assert tree.feature_names_ == [diff_name(a) for a in ATTRS]
    pair = list(demo_pairs)[3]
    out = model.compare(pair.prompt, pair.response_1, pair.response_2, None, "cpu")  # seed call shape
    assert {"attributes", "rewards", "preference", "probability", "explanation"} <= set(out)
    assert out["preferred"] == out["preference"] + 1
    assert out["probability_response1"] == pytest.approx(1 - out["probability"])
    assert out["attributes"] == ATTRS and out["rewards"].shape == (2, 5)
    assert out["preference"] in (0, 1) and 0.0 <= out["probability"] <= 1.0
    diff = pd.DataFrame([out["rewards"][1] - out["rewards"][0]], columns=model.feature_names)
    assert out["probability"] == pytest.approx(float(tree.prob_response_2(diff)[0]))
    assert out["preference"] == int(out["probability"] > 0.5)
    assert out["explanation"].endswith(f"= {out['probability']:.2f} (n = "
                                       f"{out['explanation'].rsplit('n = ', 1)[1]}")


def test_a_refused_pickle_is_never_opened(tmp_path, seed_folder):
    marker = tmp_path / "marker.txt"
    _Boom.marker = marker
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps(_Boom()))
    model = DecisionTreeRewardModel.from_pretrained(seed_folder, progress=False)
    with pytest.raises(UntrustedPickleError):
        model.load_decision_tree(tmp_path, filename="evil.pkl")
    assert not marker.exists()


def test_a_tree_over_other_features_is_refused_naming_both_lists(seed_folder, tmp_path):
    model = DecisionTreeRewardModel.from_pretrained(seed_folder, progress=False)
    x = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 2)), columns=["length_diff", "bold_diff"])
    other = PreferenceTree().fit(x, np.where(x["length_diff"] > 0, 1, -1))
    other.save(tmp_path / "other.json")
    with pytest.raises(InputError, match=r"\['length_diff', 'bold_diff'\].*helpfulness"):
        model.load_decision_tree(tmp_path / "other.json")


def test_rank_agrees_with_the_trees_probabilities(seed_folder, demo_pairs):
    model = DecisionTreeRewardModel.from_pretrained(seed_folder, progress=False)
    model.load_decision_tree(seed_folder, trust_pickle=True)
    pair = list(demo_pairs)[7]
    responses = [p.response_2 for p in list(demo_pairs)[:6]]
    ranking = model.rank(pair.prompt, responses)
    for i in range(6):
        for j in range(6):
            if i != j:  # W[i, j] from two compare() calls, one per order
                p_ij = model.compare(pair.prompt, responses[i], responses[j])["probability"]
                p_ji = model.compare(pair.prompt, responses[j], responses[i])["probability"]
                assert ranking.win_matrix[i, j] == pytest.approx(0.5 * (p_ji + 1 - p_ij))
    best = ranking.best
    assert ranking.wins[best] == ranking.wins.max()
    # a response that beats every other ranks first
    if ranking.wins.max() == 5:
        assert all(ranking.win_matrix[best, j] > 0.5 for j in range(6) if j != best)
    # duplicates tie exactly and keep their input order
    tied = model.rank(pair.prompt, [responses[0], responses[0]])
    assert tied.order == [0, 1] and tied.win_rate.tolist() == [0.5, 0.5]


def test_save_pretrained_roundtrip_gives_identical_outputs(seed_folder, demo_pairs, tmp_path):
    model = DecisionTreeRewardModel.from_pretrained(seed_folder, progress=False)
    model.load_decision_tree(seed_folder, trust_pickle=True)
    saved = model.save_pretrained(tmp_path / "preftree-model")
    assert (saved / "preftree_tree.json").exists() and not list(saved.glob("*.pkl"))
    config = json.loads((saved / "config.json").read_text())
    assert config["preftree_head"] == "linear_bias" and "auto_map" not in config
    assert list(config["id2label"].values()) == ATTRS
    reloaded = DecisionTreeRewardModel.from_pretrained(saved, progress=False)  # tree comes along
    for pair in list(demo_pairs)[:5]:
        a = model.compare(pair.prompt, pair.response_1, pair.response_2)
        b = reloaded.compare(pair.prompt, pair.response_1, pair.response_2)
        np.testing.assert_array_equal(a["rewards"], b["rewards"])
        assert (a["preference"], a["probability"], a["explanation"]) == \
            (b["preference"], b["probability"], b["explanation"])


def test_push_to_hub_uploads_the_saved_folder(seed_folder):
    """No Hub here: a recording stand-in for huggingface_hub.HfApi (the only double in this file)
    checks what would be uploaded — the real folder, read while it exists."""

    class RecordingApi:
        calls: list = []

        def create_repo(self, repo_id, private=None, exist_ok=False):
            self.calls.append(("create_repo", repo_id, exist_ok))

        def upload_folder(self, folder_path, repo_id, commit_message):
            files = sorted(p.name for p in Path(folder_path).iterdir())
            self.calls.append(("upload_folder", repo_id, files))
            return "commit-url"

    model = DecisionTreeRewardModel.from_pretrained(seed_folder, progress=False)
    model.load_decision_tree(seed_folder, trust_pickle=True)
    api = RecordingApi()
    assert model.push_to_hub("me/tiny-dtr", api=api) == "commit-url"
    assert api.calls[0] == ("create_repo", "me/tiny-dtr", True)
    assert {"config.json", "model.safetensors", "preftree_tree.json", "tokenizer.json"} <= set(api.calls[1][2])


def test_compare_pairs_writes_a_judge_file(seed_folder, tmp_path):
    from click.testing import CliRunner

    from preftree.cli import cli

    pairs = Path(__file__).resolve().parents[2] / "src" / "preftree" / "examples" / "demo_pairs.jsonl"
    result = CliRunner().invoke(cli, ["compare", "--model", str(seed_folder), "--trust-pickle",
                                      "--pairs", str(pairs), "--out", str(tmp_path / "v.csv"),
                                      "--no-cache"])
    assert result.exit_code == 0, result.output
    verdicts = pd.read_csv(tmp_path / "v.csv")
    assert set(verdicts["preference"]) <= {-1, 1} and len(verdicts) == 300
    (judged,) = load_judgments(tmp_path / "v.csv", name="dtr", pairs=load_pairs(pairs))
    assert judged.judge == "dtr" and len(judged) == 300 and judged.checked is True
    single = CliRunner().invoke(cli, ["compare", "--model", str(seed_folder), "--prompt", "Hi",
                                      "--response-1", "Hello! How can I help?", "--response-2", "no",
                                      "--no-cache"])
    assert single.exit_code == 2 and "refusing to unpickle" in single.output


def test_hub_ids_resolve_model_and_tree_through_the_hf_cache(seed_folder, tmp_path):
    """`from_pretrained` and `load_decision_tree` with a Hub id, offline: the HF cache is laid out
    exactly as a download leaves it (refs/main → snapshots/<commit>/...)."""
    import os
    import subprocess
    import sys

    commit = "89abcdef0123456789abcdef0123456789abcdef"
    repo = tmp_path / "hub" / "models--RLHFlow--Decision-Tree-Reward-Tiny"
    shutil.copytree(seed_folder, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    code = (
        "from preftree import DecisionTreeRewardModel\n"
        "m = DecisionTreeRewardModel.from_pretrained('RLHFlow/Decision-Tree-Reward-Tiny', "
        "torch_dtype='float32', progress=False)\n"
        "m.load_decision_tree('RLHFlow/Decision-Tree-Reward-Tiny', filename='decision_tree.pkl', "
        "trust_pickle=True)\n"
        "out = m.compare('Hi', 'Hello! How can I help?', 'no')\n"
        "print(m.scorer.description['revision'], out['rewards'].shape, out['preference'])\n")
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    revision, *rest = done.stdout.split(maxsplit=1)
    assert revision == commit and rest[0].startswith("(2, 5)")
