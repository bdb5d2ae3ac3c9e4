"""A foreign tree's label convention is read from the tree, never assumed: the same rule pickled
under both conventions gives identical verdicts, rankings and RewardBench results; a tree the probe
cannot read is refused, naming --tree-labels. (Before: one of the two picked the worse response
every time, silently.)"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.tree import DecisionTreeClassifier

from preftree import DecisionTreeRewardModel
from preftree.cli import cli
from preftree.errors import InputError
from preftree.model.orientation import probe_orientation

from ..conftest import seed_layout_scores, write_jsonl


@pytest.fixture(scope="module")
def seed(tmp_path_factory, tiny_model, demo_pairs):
    """A seed-layout model, its attribute scores on the demo pairs, and a pickling helper."""
    folder, pairs, r1, r2 = seed_layout_scores(tmp_path_factory, tiny_model, demo_pairs, "orient")
    first_better = (r1 - r2)[:, 0] + 0.3 * (r1 - r2)[:, 4] > 0  # the rule: helpfulness, verbosity

    def save(name: str, X: np.ndarray, y: np.ndarray) -> Path:
        tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y.astype(int))
        path = folder / name
        path.write_bytes(pickle.dumps(tree))
        return path

    # The same rule under the two conventions. "first": the blog's f(r1 - r2) = P(a1 better),
    # class 1 = the response whose rating comes first in the difference. "second": the same
    # differences with class 1 = the other response (the labels complemented; log-loss splits
    # are symmetric in the labels, so the two trees have identical splits).
    save("first.pkl", r1 - r2, first_better)
    save("second.pkl", r1 - r2, ~first_better)
    save("verbosity_only.pkl", np.c_[np.zeros((len(r1), 4)), (r2 - r1)[:, 4]], (r2 - r1)[:, 4] > 0)
    h = (r2 - r1)[:, 0]
    band = (h > np.quantile(h, 0.45)) & (h < np.quantile(h, 0.8))  # up, then down: not monotone
    save("non_monotone.pkl", np.c_[h, np.zeros((len(h), 4))], band)
    return folder, pairs


def _load(folder: Path, name: str, tree_labels: str = "auto") -> DecisionTreeRewardModel:
    model = DecisionTreeRewardModel.from_pretrained(folder, progress=False)
    model.load_decision_tree(folder, filename=name, trust_pickle=True, tree_labels=tree_labels)
    return model


def test_both_conventions_give_the_same_verdicts_and_rankings(seed) -> None:
    folder, pairs = seed
    first, second = _load(folder, "first.pkl"), _load(folder, "second.pkl")
    assert first.tree.metadata_["tree_labels"] == "first"
    assert second.tree.metadata_["tree_labels"] == "second"
    assert second.tree.metadata_["tree_labels_decided_by"].startswith("probe:")
    for pair in pairs[:40]:
        a = first.compare(pair.prompt, pair.response_1, pair.response_2)
        b = second.compare(pair.prompt, pair.response_1, pair.response_2)
        assert a["preference"] == b["preference"] and a["probability"] == pytest.approx(b["probability"])
    responses = [p.response_1 for p in pairs[:4]] + [pairs[0].response_2]
    assert first.rank(pairs[0].prompt, responses).order == second.rank(pairs[0].prompt, responses).order
    # and it is the rule's verdict: the response better on helpfulness (+ verbosity) wins
    hits = [first.compare(p.prompt, p.response_1, p.response_2)["preferred"] for p in pairs[:60]]
    r1 = first.scorer.score([p.prompt for p in pairs[:60]], [p.response_1 for p in pairs[:60]])
    r2 = first.scorer.score([p.prompt for p in pairs[:60]], [p.response_2 for p in pairs[:60]])
    rule = np.where((r1 - r2)[:, 0] + 0.3 * (r1 - r2)[:, 4] > 0, 1, 2)
    assert np.mean(np.array(hits) == rule) >= 0.85


def test_stating_the_convention_overrides_the_probe(seed) -> None:
    folder, pairs = seed
    right = _load(folder, "second.pkl", "second")
    wrong = _load(folder, "second.pkl", "first")  # stated wrongly: every verdict flips
    pair = pairs[0]
    a = right.compare(pair.prompt, pair.response_1, pair.response_2)
    b = wrong.compare(pair.prompt, pair.response_1, pair.response_2)
    assert a["probability"] == pytest.approx(1 - b["probability"])
    assert right.tree.metadata_["tree_labels_decided_by"] == "stated by the user"


@pytest.mark.parametrize("name, reason", [("verbosity_only.pkl", "none of the quality attributes"),
                                          ("non_monotone.pkl", "not monotone")])
def test_a_tree_the_probe_cannot_read_is_refused(seed, name: str, reason: str) -> None:
    folder, _ = seed
    with pytest.raises(InputError, match=f"{reason}.*--tree-labels first"):
        _load(folder, name)
    assert _load(folder, name, "first").tree.metadata_["tree_labels"] == "first"


def test_rewardbench_and_compare_cli_agree_across_conventions(seed, tmp_path) -> None:
    folder, pairs = seed
    rows = [{"id": f"x{i}", "subset": "llmbar-natural" if i % 2 else "alpacaeval-easy",
             "prompt": p.prompt, "chosen": p.response_1 if p.label == -1 else p.response_2,
             "rejected": p.response_2 if p.label == -1 else p.response_1,
             "chosen_model": "a", "rejected_model": "b"}
            for i, p in enumerate(pairs[:60]) if p.label in (-1, 1)]
    data = write_jsonl(tmp_path / "rb.jsonl", rows)
    results = {}
    for name in ("first", "second"):
        out = tmp_path / f"{name}.json"
        result = CliRunner().invoke(cli, ["rewardbench", "--model", str(folder), "--tree",
                                          str(folder / f"{name}.pkl"), "--trust-pickle", "--data",
                                          str(data), "--resamples", "0", "--no-cache", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert f"tree read with --tree-labels {name} (probe:" in result.stderr
        results[name] = json.loads(out.read_text())
    assert results["first"]["alpacaeval-easy"] == results["second"]["alpacaeval-easy"]
    assert results["first"]["llmbar-natural"] == results["second"]["llmbar-natural"]
    refused = CliRunner().invoke(cli, ["compare", "--model", str(folder), "--tree",
                                       str(folder / "verbosity_only.pkl"), "--trust-pickle",
                                       "--prompt", "p", "--response-1", "a", "--response-2", "b"])
    assert refused.exit_code == 2 and "--tree-labels" in refused.output


def test_a_tree_fitted_by_preftree_needs_no_probe(seed, tmp_path) -> None:
    folder, _ = seed
    model = _load(folder, "first.pkl")
    model.tree.save(tmp_path / "tree.json")
    reloaded = DecisionTreeRewardModel.from_pretrained(folder, progress=False)
    tree = reloaded.load_decision_tree(tmp_path / "tree.json", filename="tree.json")
    assert tree.metadata_.get("tree_labels") == "first"  # kept from the import, not probed again
    assert probe_orientation(tree).labels == "first"
