"""RM-Bench (``preftree rewardbench --benchmark rm-bench``): a tiny real reward model's matrices
equal RM-Bench's formula applied to scores from a plain one-response-at-a-time loop, to the last
comparison; ties are wrong; safety is pooled; a generative judge over real HTTP is asked the nine
comparisons in both orders and its position consistency reported."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.judges.local_server import LocalJudgeServer
from preftree.rewardbench.rmbench_data import load_rm_bench

from .rmbench_fixtures import N_PROMPTS, rm_bench_rows, vocabulary_of, write_per_domain, write_total


def rm_bench_formula(results: list[dict]) -> dict:
    """RM-Bench's compute_accuracy, written out as its loop: M[i][j] counts chosen_i > rejected_j."""
    matrix = np.zeros((3, 3))
    for result in results:
        for i in range(3):
            for j in range(3):
                if result["score_chosen"][i] > result["score_rejected"][j]:
                    matrix[i][j] += 1
    matrix /= len(results)
    return {"matrix": matrix, "hard_acc": np.sum(np.triu(matrix, 1)) / 3, "normal_acc": np.mean(np.diag(matrix)),
            "easy_acc": np.sum(np.tril(matrix, -1)) / 3}


def _plain_loop_scores(folder: Path, rows: dict[str, list[dict]]) -> list[dict]:
    """Each response scored alone, unpadded, by the model's own forward (no batching, no sharing)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()

    def score(prompt: str, response: str) -> float:
        text = tokenizer.apply_chat_template([{"role": "user", "content": prompt},
                                              {"role": "assistant", "content": response}], tokenize=False)
        ids = torch.tensor([tokenizer(text, add_special_tokens=False)["input_ids"]])
        with torch.no_grad():
            return float(model(input_ids=ids).logits[0, 0])

    return [{"domain": domain, "id": row["id"],
             "score_chosen": [score(row["prompt"], r) for r in row["chosen"]],
             "score_rejected": [score(row["prompt"], r) for r in row["rejected"]]}
            for domain, part in rows.items() for row in part]


@pytest.fixture(scope="module")
def scored_run(tiny_model, demo_pairs, tmp_path_factory):
    pytest.importorskip("torch", reason="needs preftree[hf]")
    folder = tiny_model("llama", 1)
    rows = rm_bench_rows(vocabulary_of(demo_pairs))
    data = write_per_domain(tmp_path_factory.mktemp("rmbench") / "data", rows)
    out = data.parent / "results" / "tiny.json"
    run = CliRunner().invoke(cli, ["rewardbench", "--benchmark", "rm-bench", "--model", str(folder),
                                   "--data", str(data), "--resamples", "200", "--out", str(out), "--cache",
                                   str(data.parent / "scores.sqlite")])
    assert run.exit_code == 0, run.output
    return folder, rows, data, out, run.output


def test_matrices_equal_rm_bench_formula_on_a_plain_loop(scored_run) -> None:
    folder, rows, _, out, output = scored_run
    result = json.loads(out.read_text())
    loop = _plain_loop_scores(folder, rows)
    ours = {(r["domain"], r["id"]): r for r in result["per_prompt"]}
    for reference in loop:  # the same scores, within float32 noise of batching
        kept = ours[(reference["domain"], str(reference["id"]))]
        np.testing.assert_allclose(kept["score_chosen"], reference["score_chosen"], rtol=1e-4, atol=1e-5)
    expected = {}
    for domain in ("chat", "math", "code", "safety"):  # safety pools safety-refuse and safety-response
        part = [r for r in loop if r["domain"].startswith(domain)]
        expected[domain] = rm_bench_formula(part)
        figures = result["domains"][domain]
        assert np.array_equal(np.array(figures["matrix"]), expected[domain]["matrix"])  # to the last comparison
        for name in ("hard_acc", "normal_acc", "easy_acc"):
            assert figures[name] == pytest.approx(expected[domain][name], abs=1e-12)
        assert result[domain] == pytest.approx(np.mean([expected[domain][k] for k in ("hard_acc", "normal_acc",
                                                                                       "easy_acc")]))
    assert result["domains"]["safety"]["n_prompts"] == 6 and result["domains"]["chat"]["n_prompts"] == 20
    assert result["total_avg_acc"] == pytest.approx(np.mean([result[d] for d in expected]))
    assert result["hard_acc"] == pytest.approx(np.mean([expected[d]["hard_acc"] for d in expected]))
    assert result["domains_missing"] == [] and "note" not in result
    # ties are wrong: the second prompt of each domain has identical detailed-plain answers
    tied = [r for r in result["per_prompt"] if r["score_chosen"][1] == r["score_rejected"][1]]
    assert len(tied) == 5
    assert all(rm_bench_formula([t])["matrix"][1][1] == 0 for t in tied)
    assert list(result["intervals"]) == ["chat"]  # the only domain with 20 prompts
    low, high = result["intervals"]["chat"]["average"]
    assert low <= result["chat"] <= high and high - low > 0
    assert result["intervals_not_computed"][0] == "math: 4 prompts (a bootstrap interval needs 20)"
    assert "no interval for overall: not every domain has an interval" in output
    assert "hard:" in output and "matrix: rows the chosen answer's style" in output
    assert result["model_type"] == "Seq. Classifier" and result["n_comparisons"] == 9 * N_PROMPTS
    # each response scored once: six texts per prompt asked (the tied ones are one text)
    assert result["scoring_stats"] == {"n_texts": 6 * N_PROMPTS, "n_distinct": 6 * N_PROMPTS - 5, "n_cached": 0,
                                       "n_computed": 6 * N_PROMPTS - 5}


def _run(*args: str) -> dict:
    out = Path(args[args.index("--out") + 1])
    run = CliRunner().invoke(cli, ["rewardbench", "--benchmark", "rm-bench", *args, "--resamples", "0", "--quiet"])
    assert run.exit_code == 0, run.output
    return json.loads(out.read_text())


def test_the_cache_an_ensemble_and_a_vllm_server_score_the_same(scored_run, tiny_model, tmp_path: Path) -> None:
    from ..scoring.vllm_standin import VLLMStandIn

    folder, _, data, out, _ = scored_run
    first = json.loads(out.read_text())
    cached = _run("--model", str(folder), "--data", str(data), "--out", str(tmp_path / "c.json"), "--cache",
                  str(data.parent / "scores.sqlite"))
    assert cached["scoring_stats"]["n_computed"] == 0 and cached["domains"] == first["domains"]
    with VLLMStandIn(folder) as server:
        served = _run("--model", str(folder), "--backend", "vllm-server", "--base-url", server.url, "--data",
                      str(data), "--out", str(tmp_path / "v.json"), "--no-cache")
        assert server.requests  # scored over HTTP by the /pooling protocol
    for ours, theirs in zip(first["per_prompt"], served["per_prompt"]):
        np.testing.assert_allclose(ours["score_chosen"] + ours["score_rejected"],
                                   theirs["score_chosen"] + theirs["score_rejected"], atol=1e-4)
    spec = tmp_path / "ensemble.json"
    spec.write_text(json.dumps({"name": "tiny-pair", "members": [
        {"model": str(folder), "weight": 0.5, "name": "a"}, {"model": str(tiny_model("gemma2", 1)), "weight": 0.5,
                                                              "name": "b"}]}))
    ensemble = _run("--model", str(spec), "--attribute", "reward", "--data", str(data), "--out",
                    str(tmp_path / "e.json"), "--no-cache")
    assert ensemble["model"] == "tiny-pair" and ensemble["n_prompts"] == N_PROMPTS
    mean = [np.mean(np.asarray(r["score_chosen"])[:, None] > np.asarray(r["score_rejected"])[None, :])
            for r in ensemble["per_prompt"]]
    assert ensemble["total_avg_acc"] == pytest.approx(np.mean([
        np.mean([m for m, r in zip(mean, ensemble["per_prompt"]) if r["domain"].startswith(d)])
        for d in ("chat", "math", "code", "safety")]))


def test_a_decision_tree_reward_model_decides_the_nine_comparisons(tiny_model, demo_pairs, tmp_path: Path) -> None:
    import pickle
    import shutil

    from sklearn.tree import DecisionTreeClassifier

    from preftree.model import DecisionTreeRewardModel

    folder = shutil.copytree(tiny_model("llama", 5, "decision-tree-reward"), tmp_path / "dtr")
    x = np.random.default_rng(0).normal(size=(200, 5))
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(x, (x[:, 0] > 0).astype(int))
    with (folder / "decision_tree.pkl").open("wb") as handle:
        pickle.dump(tree, handle)
    rows = rm_bench_rows(vocabulary_of(demo_pairs), {"chat": 4, "safety-refuse": 2})
    data = write_per_domain(tmp_path / "data", rows)
    result = _run("--model", str(folder), "--tree", str(folder), "--trust-pickle", "--data", str(data),
                  "--out", str(tmp_path / "t.json"), "--no-cache")
    assert result["model_type"] == "Decision Tree" and "asked as a pair" in result["accounting"]
    assert result["scoring_stats"]["n_distinct"] == 6 * 6 - 2  # six responses per prompt, scored once
    assert {c for r in result["per_prompt"] for row in r["credit"] for c in row} == {0.0, 1.0}  # not vacuous
    model = DecisionTreeRewardModel.from_pretrained(folder)
    model.load_decision_tree(folder, trust_pickle=True)
    for record, (domain, row) in zip(result["per_prompt"], [(d, r) for d, rs in rows.items() for r in rs]):
        rewards = model.scorer.score([row["prompt"]] * 6, row["chosen"] + row["rejected"])
        # P(chosen_i beats rejected_j), both presentation orders averaged, strictly above one half
        wins = [[float(model.win_probability(rewards[3 + j:4 + j], rewards[i:i + 1])[0] > 0.5) for j in range(3)]
                for i in range(3)]
        assert record["credit"] == wins, (domain, row["id"])

def test_total_dataset_json_gives_the_same_figures(scored_run, tmp_path: Path) -> None:
    folder, rows, _, out, _ = scored_run
    total = write_total(tmp_path / "total_dataset.json", rows)
    again = tmp_path / "again.json"
    run = CliRunner().invoke(cli, ["rewardbench", "--benchmark", "rm-bench", "--model", str(folder), "--data",
                                   str(total), "--resamples", "200", "--out", str(again), "--quiet"])
    assert run.exit_code == 0, run.output
    first, second = json.loads(out.read_text()), json.loads(again.read_text())
    for key in ("domains", "hard_acc", "normal_acc", "easy_acc", "total_avg_acc"):
        assert first[key] == second[key]
    assert second["files"] == [{"path": str(total), "prompts": N_PROMPTS,
                                "domains": {d: len(r) for d, r in rows.items()}}]


def test_a_missing_domain_is_named(scored_run, tmp_path: Path) -> None:
    folder, rows, _, _, _ = scored_run
    data = write_per_domain(tmp_path / "two", {d: rows[d] for d in ("chat", "code")})
    out = tmp_path / "r.json"
    run = CliRunner().invoke(cli, ["rewardbench", "--benchmark", "rm-bench", "--model", str(folder), "--data",
                                   str(data), "--resamples", "0", "--out", str(out)])
    assert run.exit_code == 0, run.output
    result = json.loads(out.read_text())
    assert result["domains_present"] == ["chat", "code"] and result["domains_missing"] == ["math", "safety"]
    assert "means over chat, code only" in result["note"] and "math, safety not in the data" in run.output
    assert result["total_avg_acc"] == pytest.approx((result["chat"] + result["code"]) / 2)


def _by_length(rows: dict[str, list[dict]]) -> dict[str, np.ndarray]:
    """The length judge's matrix by hand: per order the longer answer wins, equal length is a tie
    (wrong); the judge answers the same in both orders."""
    matrices = {}
    for domain in ("chat", "math", "code", "safety"):
        part = [r for d, items in rows.items() if d.startswith(domain) for r in items]
        if not part:
            continue
        matrices[domain] = np.array([[np.mean([len(r["chosen"][i]) > len(r["rejected"][j]) for r in part])
                                      for j in range(3)] for i in range(3)])
    return matrices


def test_a_generative_judge_asks_the_nine_comparisons_in_both_orders(demo_pairs, tmp_path: Path) -> None:
    rows = rm_bench_rows(vocabulary_of(demo_pairs))
    data = write_per_domain(tmp_path / "data", rows)
    out = tmp_path / "judge.json"
    with LocalJudgeServer(mode="longer-brackets") as server:
        run = CliRunner().invoke(cli, ["rewardbench", "--benchmark", "rm-bench", "--judge-model", "length-judge",
                                       "--base-url", server.url, "--data", str(data), "--resamples", "50",
                                       "--out", str(out)])
        requests = server.log.requests
    assert run.exit_code == 0, run.output
    assert requests == 2 * 9 * N_PROMPTS  # nine comparisons per prompt, both orders
    result = json.loads(out.read_text())
    for domain, matrix in _by_length(rows).items():
        assert np.allclose(result["domains"][domain]["matrix"], matrix)
    assert result["position_consistency"]["overall"] == 1.0  # a length judge ignores positions
    assert "both orders" in result["accounting"] and result["model_type"] == "Generative"
    judgments = (tmp_path / "judge.judgments.csv").read_text().splitlines()
    assert len(judgments) == 9 * N_PROMPTS + 1 and "chat/8/concise-vs-markdown" in "\n".join(judgments)
    assert "position consistency: 100.0%" in run.output

    biased = tmp_path / "first.json"
    with LocalJudgeServer(mode="first") as server:  # always "A": half right, never consistent
        run = CliRunner().invoke(cli, ["rewardbench", "--benchmark", "rm-bench", "--judge-model", "first",
                                       "--base-url", server.url, "--judge-template", "preftree", "--data",
                                       str(data), "--resamples", "0", "--out", str(biased), "--quiet"])
    assert run.exit_code == 0, run.output
    result = json.loads(biased.read_text())
    assert result["position_consistency"]["overall"] == 0.0
    assert result["position_consistency"]["first_position_share"] == 1.0
    assert np.allclose(result["domains"]["chat"]["matrix"], 0.5) and result["total_avg_acc"] == 0.5


def test_the_hub_dataset_loads_through_load_dataset(demo_pairs, tmp_path: Path) -> None:
    pytest.importorskip("datasets", reason="the Hub loader needs preftree[hf] (datasets)")
    rows = rm_bench_rows(vocabulary_of(demo_pairs))
    write_total(tmp_path / "THU-KEG" / "RM-Bench" / "total_dataset.json", rows)
    data = load_rm_bench(None, hub_root=tmp_path)
    assert len(data.prompts) == N_PROMPTS and data.domains == ["chat", "math", "code", "safety"]
    assert data.prompts[0].chosen[0] == rows["chat"][0]["chosen"][0]


@pytest.mark.skipif(not os.environ.get("RM_BENCH_DATA"),
                    reason="set RM_BENCH_DATA to a folder of RM-Bench's published data/*.json files "
                           "(github.com/THU-KEG/RM-Bench) to read the real files")
def test_the_real_published_files_load() -> None:
    data = load_rm_bench(os.environ["RM_BENCH_DATA"])
    assert len(data.prompts) > 500 and {"chat", "code", "safety"} <= set(data.domains)
    assert all(len(p.chosen) == len(p.rejected) == 3 for p in data.prompts)


def test_unreadable_answers_count_as_wrong_in_their_order_and_are_counted(demo_pairs, tmp_path: Path) -> None:
    """A few unparsable answers change neither the accounting nor the other comparisons' credit."""
    rows = rm_bench_rows(vocabulary_of(demo_pairs), {"chat": 4})
    rows["chat"][0]["rejected"][2] += " [upstream]"  # the server answers "Upstream error" about it
    data = write_per_domain(tmp_path / "data", rows)
    out = tmp_path / "r.json"
    with LocalJudgeServer(mode="broken-brackets") as server:
        run = CliRunner().invoke(cli, ["rewardbench", "--benchmark", "rm-bench", "--judge-model", "j", "--base-url",
                                       server.url, "--data", str(data), "--resamples", "0", "--out", str(out)])
    assert run.exit_code == 0, run.output
    result = json.loads(out.read_text())
    expected = _by_length(rows)["chat"] * 4
    expected[:, 2] -= [len(rows["chat"][0]["chosen"][i]) > len(rows["chat"][0]["rejected"][2]) for i in range(3)]
    assert np.allclose(np.array(result["domains"]["chat"]["matrix"]) * 4, expected)
    assert "both orders" in result["accounting"] and "position_consistency" in result
    assert result["verdicts"]["unparsable"] == 6 and result["n_no_verdict"] == 6  # 3 comparisons × 2 orders
    assert "WARNING: 6 of 72 answers (8.3%) have no verdict" in run.output
    assert "answers (both orders):" in run.output


def test_resamples_are_bounded_before_any_request(demo_pairs, tmp_path: Path) -> None:
    data = write_per_domain(tmp_path / "data", rm_bench_rows(vocabulary_of(demo_pairs), {"chat": 1}))
    with LocalJudgeServer(mode="longer-brackets") as server:
        run = CliRunner().invoke(cli, ["rewardbench", "--benchmark", "rm-bench", "--judge-model", "j", "--base-url",
                                       server.url, "--data", str(data), "--resamples", "1000000000", "--out",
                                       str(tmp_path / "r.json")])
        asked = server.log.requests
    assert run.exit_code == 2 and asked == 0 and "--resamples" in run.output
    from preftree.errors import InputError
    from preftree.rewardbench import api

    with pytest.raises(InputError, match="from 0 to 100,000"):
        api.rewardbench(None, benchmark="rm-bench", data=data, resamples=10 ** 9)  # type: ignore[arg-type]
