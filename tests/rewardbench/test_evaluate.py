"""`preftree rewardbench` end to end with tiny models: v1 (scalar and tree) and v2."""

from __future__ import annotations

import json
import pickle
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("transformers", reason="RewardBench runs need preftree[hf]")

from preftree.cli import cli
from preftree.rewardbench import best_of_n_credit, ties_score
from preftree.scoring import RewardScorer

from ..conftest import write_jsonl


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def v1_file(tmp_path_factory, demo_pairs):
    """A RewardBench-schema file: three subsets of demo pairs, plus identical chosen/rejected rows
    (a real tie for any reward model)."""
    rows = []
    subsets = ["alpacaeval-easy", "mt-bench-med", "donotanswer"]
    for i, pair in enumerate(list(demo_pairs)[:60]):
        rows.append({"id": f"r{i}", "subset": subsets[i % 3], "prompt": pair.prompt,
                     "chosen": pair.response_1, "rejected": pair.response_2,
                     "chosen_model": "a", "rejected_model": "b"})
    for i in range(3):
        rows.append({"id": f"tie{i}", "subset": "donotanswer", "prompt": "Same?", "chosen": "Same.",
                     "rejected": "Same.", "chosen_model": "a", "rejected_model": "a"})
    return write_jsonl(tmp_path_factory.mktemp("rb") / "rb.jsonl", rows)


def test_v1_scalar_model_accuracies_match_the_models_scores(tiny_model, v1_file, tmp_path):
    model = tiny_model("llama", 1)
    out = tmp_path / "result.json"
    result = _invoke("rewardbench", "--model", str(model), "--data", str(v1_file), "--out", str(out),
                     "--no-cache", "--resamples", "200")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    rows = [json.loads(line) for line in v1_file.read_text().splitlines()]
    scorer = RewardScorer.from_pretrained(model, progress=False)
    chosen = scorer.score([r["prompt"] for r in rows], [r["chosen"] for r in rows])[:, 0]
    rejected = scorer.score([r["prompt"] for r in rows], [r["rejected"] for r in rows])[:, 0]
    for subset in ("alpacaeval-easy", "mt-bench-med", "donotanswer"):
        mask = np.array([r["subset"] == subset for r in rows])
        assert data[subset] == pytest.approx(float(np.mean(chosen[mask] > rejected[mask])))
    assert data["n_ties"] == 3 and data["ties_by_subset"] == {"donotanswer": 3}
    assert data["partial"] == {"Chat": ["alpacaeval-length", "alpacaeval-hard", "mt-bench-easy"],
                               "Safety": ["refusals-dangerous", "refusals-offensive",
                                          "xstest-should-refuse", "xstest-should-respond"]}
    assert data["absent"] == ["Chat Hard", "Reasoning"]
    assert set(data["sections"]) == {"Chat", "Safety"}
    low, high = data["intervals"]["Score"]
    assert low <= data["score"] <= high
    for key in ("model", "model_type", "chat_template"):
        assert data[key]
    assert "ties: 3" in result.output


def test_v1_decision_tree_decides(tiny_model, v1_file, tmp_path, demo_pairs):
    from sklearn.tree import DecisionTreeClassifier

    folder = shutil.copytree(tiny_model("llama", 5, "decision-tree-reward"), tmp_path / "dtr")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 5))
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(x, (x[:, 0] > 0).astype(int))
    with (folder / "decision_tree.pkl").open("wb") as handle:
        pickle.dump(tree, handle)
    out = tmp_path / "dtr.json"
    refused = CliRunner().invoke(cli, ["rewardbench", "--model", str(folder), "--tree", str(folder),
                                       "--data", str(v1_file), "--out", str(out), "--no-cache"])
    assert refused.exit_code == 2 and not out.exists()
    result = _invoke("rewardbench", "--model", str(folder), "--tree", str(folder), "--trust-pickle",
                     "--data", str(v1_file), "--out", str(out), "--no-cache", "--resamples", "0")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["model_type"] == "Decision Tree" and data["n_ties"] >= 3  # identical texts tie
    multi = CliRunner().invoke(cli, ["rewardbench", "--model", str(folder), "--data", str(v1_file),
                                     "--out", str(tmp_path / "x.json"), "--no-cache"])
    assert multi.exit_code == 2 and "--attribute" in multi.output


def test_v2_scores_by_hand_from_the_models_scores(tiny_model, demo_pairs, tmp_path):
    pairs = list(demo_pairs)
    rows = []
    for i in range(8):
        texts = [pairs[i + k].response_2 for k in range(4)]
        rows.append({"id": str(i), "subset": ["Factuality", "Focus"][i % 2], "prompt": pairs[i].prompt,
                     "chosen": texts[:1], "rejected": texts[1:], "num_correct": 1})
    rows.append({"id": "8", "subset": "Math", "prompt": "2+2?", "chosen": ["4"], "rejected": ["4", "5", "6"],
                 "num_correct": 1})  # the chosen ties with one rejected: credit 1/2
    for kind, correct in (("ref", 1), ("tied", 2)):
        for p in range(3):
            texts = [pairs[20 + p * 5 + k].response_1 for k in range(4)]
            rows.append({"id": f"{kind}:{p}", "subset": "Ties", "prompt": pairs[20 + p].prompt,
                         "chosen": texts[:correct], "rejected": texts[correct:], "num_correct": correct})
    data_file = write_jsonl(tmp_path / "rb2.jsonl", rows)
    model = tiny_model("llama", 1)
    out = tmp_path / "rb2.json"
    result = _invoke("rewardbench", "--benchmark-version", "2", "--model", str(model), "--data", str(data_file),
                     "--out", str(out), "--no-cache", "--resamples", "100")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    scorer = RewardScorer.from_pretrained(model, progress=False)
    by_hand: dict[str, list] = {}
    ties_rows = []
    for row in rows:
        scores = scorer.score([row["prompt"]] * 4, row["chosen"] + row["rejected"])[:, 0]
        if row["subset"] == "Ties":
            ties_rows.append((row["id"], scores, row["num_correct"]))
        else:
            by_hand.setdefault(row["subset"], []).append(best_of_n_credit(scores))
    assert data["Math"] == 0.5
    for subset, credits in by_hand.items():
        assert data[subset] == pytest.approx(np.mean(credits))
    assert data["Ties"] == pytest.approx(ties_score(ties_rows))
    expected = 100 * np.mean([np.mean(c) for c in by_hand.values()] + [ties_score(ties_rows)])
    assert data["score"] == pytest.approx(expected)
    assert data["absent"] == ["Precise IF", "Safety"] and data["n_ties"] == 1


def test_llmbar_file_end_to_end(shared_data, tiny_model, tmp_path):
    out = tmp_path / "llmbar.json"
    result = _invoke("rewardbench", "--model", str(tiny_model("llama", 1)), "--data",
                     str(shared_data / "llmbar" / "rewardbench_llmbar.jsonl"), "--out", str(out),
                     "--truncation", "left", "--no-cache", "--resamples", "100")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["n_examples"] == {"llmbar-natural": 100, "llmbar-adver-neighbor": 134,
                                  "llmbar-adver-GPTInst": 92, "llmbar-adver-GPTOut": 47,
                                  "llmbar-adver-manual": 46}
    assert data["partial"] == {"Chat Hard": ["mt-bench-hard"]}
    assert data["absent"] == ["Chat", "Safety", "Reasoning"]
    weights = {"llmbar-natural": 100, "llmbar-adver-neighbor": 134, "llmbar-adver-GPTInst": 92,
               "llmbar-adver-GPTOut": 47, "llmbar-adver-manual": 46}
    expected = 100 * sum(data[s] * w for s, w in weights.items()) / sum(weights.values())
    assert data["sections"]["Chat Hard"] == pytest.approx(expected) == pytest.approx(data["score"])


def test_bad_rows_name_the_line(tmp_path, tiny_model):
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"id": "1", "subset": "alpacaeval-easy", "prompt": "p",
                                          "chosen": "a", "rejected": "b"},
                                         {"id": "2", "subset": "alpaca-easy", "prompt": "p",
                                          "chosen": "a", "rejected": "b"}])
    result = CliRunner().invoke(cli, ["rewardbench", "--model", str(tiny_model("llama", 1)),
                                      "--data", str(bad), "--out", str(tmp_path / "r.json")])
    assert result.exit_code == 2 and ":2: unknown subset 'alpaca-easy'" in result.output
    assert not (tmp_path / "r.json").exists()


def test_prior_sets_add_the_half_weighted_column(tiny_model, v1_file, tmp_path, demo_pairs):
    prior = write_jsonl(tmp_path / "prior.jsonl", [
        {"id": f"pr{i}", "subset": ["anthropic_helpful", "shp"][i % 2], "prompt": p.prompt,
         "chosen": p.response_2, "rejected": p.response_1}
        for i, p in enumerate(list(demo_pairs)[100:140])])
    out = tmp_path / "prior.json"
    result = _invoke("rewardbench", "--model", str(tiny_model("llama", 1)), "--data", str(v1_file),
                     "--prior-sets", str(prior), "--out", str(out), "--no-cache", "--resamples", "0")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    column = 100 * (data["anthropic_helpful"] + data["shp"]) / 2
    assert data["Prior Sets (0.5 weight)"] == pytest.approx(column)
    sections = data["sections"]
    assert data["score"] == pytest.approx((sum(sections.values()) + 0.5 * column) / (len(sections) + 0.5))
