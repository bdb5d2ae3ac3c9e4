"""vLLM backends. The server client is tested against a stand-in that follows vLLM's documented
``/pooling`` protocol over real HTTP (``vllm_standin.py``: vLLM itself needs a CUDA torch and
cannot be installed here); the offline engine runs only where vLLM and a GPU are (marked gpu)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.scoring import RewardScorer

from .vllm_standin import VLLMStandIn


@pytest.mark.parametrize("layout, labels, task", [("sequence-classifier", 1, "classify"),
                                                  ("sequence-classifier", 3, "classify"),
                                                  ("decision-tree-reward", 5, "embed")])
def test_server_scores_equal_the_in_process_engine(tiny_model, demo_pairs, layout, labels, task):
    folder = tiny_model("llama", labels, layout)
    pairs = list(demo_pairs)[:24]
    local = RewardScorer.from_pretrained(folder, progress=False, cache=None)
    expected = local.score([p.prompt for p in pairs], [p.response_1 for p in pairs])
    with VLLMStandIn(folder) as server:
        remote = RewardScorer.from_pretrained(folder, progress=False, cache=None, backend="vllm-server",
                                              server_url=server.url)
        got = remote.score([p.prompt for p in pairs], [p.response_1 for p in pairs])
        sent = server.requests
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert remote.attributes == local.attributes
    assert {r["task"] for r in sent} == {task} and all(r["use_activation"] is False for r in sent)
    assert all(isinstance(r["input"], list) and isinstance(r["input"][0], list) for r in sent)  # ids
    first = sent[0]["input"][0]
    assert first.count(local.loaded_model.tokenizer.bos_token_id) <= 1  # no second BOS
    # vLLM schedules the token lists itself: nothing is padded, and the run says which path ran
    assert remote.last_stats.padding_fraction == 0.0
    assert remote.last_stats.path == "token lists scheduled by the engine itself, without padding"


def test_busy_server_is_retried_and_the_cli_scores(tiny_model, demo_pairs, tmp_path):
    from ..conftest import write_jsonl

    folder = tiny_model("llama", 1)
    pairs = write_jsonl(tmp_path / "p.jsonl", [
        {"id": p.id, "prompt": p.prompt, "response_1": p.response_1, "response_2": p.response_2}
        for p in list(demo_pairs)[:10]])
    with VLLMStandIn(folder, fail_first=2) as server:
        result = CliRunner().invoke(cli, ["score", "--backend", "vllm-server", "--base-url", server.url,
                                          "--model", str(folder), "--pairs", str(pairs), "--no-cache",
                                          "--out", str(tmp_path / "s.csv"), "--quiet"])
        assert len(server.requests) >= 3
    assert result.exit_code == 0, result.output
    missing = CliRunner().invoke(cli, ["score", "--backend", "vllm-server", "--model", str(folder),
                                       "--pairs", str(pairs), "--out", str(tmp_path / "t.csv")])
    assert missing.exit_code == 2 and "--base-url" in missing.output


def test_a_stalled_batch_times_out_and_is_retried(tiny_model, demo_pairs, tmp_path):
    from ..conftest import write_jsonl

    folder = tiny_model("llama", 1)
    pairs = write_jsonl(tmp_path / "p.jsonl", [
        {"id": p.id, "prompt": p.prompt, "response_1": p.response_1, "response_2": p.response_2}
        for p in list(demo_pairs)[:3]])
    asked = []
    for stall, name in [(0, "plain.csv"), (1, "stalled.csv")]:
        with VLLMStandIn(folder, stall_first=stall) as server:
            result = CliRunner().invoke(cli, [
                "score", "--backend", "vllm-server", "--base-url", server.url, "--server-timeout", "1",
                "--model", str(folder), "--pairs", str(pairs), "--no-cache", "--out", str(tmp_path / name),
                "--quiet"])
            asked.append(len(server.requests))
        assert result.exit_code == 0, result.output
    assert asked[1] == asked[0] + 1  # the stalled request timed out after 1 s and was sent again
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "plain.csv"), pd.read_csv(tmp_path / "stalled.csv"))


def test_a_dead_server_is_a_one_line_error(tiny_model, demo_pairs):
    folder = tiny_model("llama", 1)
    scorer = RewardScorer.from_pretrained(folder, progress=False, cache=None, backend="vllm-server",
                                          server_url="http://127.0.0.1:9")
    scorer.loaded_model.max_retries = 0
    with pytest.raises(Exception, match="did not score a batch"):
        scorer.score(["hi"], ["hello"])


@pytest.mark.parametrize("tamper, reindex, message", [
    (lambda vector: vector[:-1], None, "expected length"),            # another model behind the URL
    (lambda vector: [float("nan")] * len(vector), None, "non-finite"),  # a broken server
    (lambda vector: ["x"] * len(vector), None, "non-numeric"),
    (lambda vector: [True] * len(vector), None, "non-numeric"),         # booleans are not scores
    (None, lambda i: 0, "must appear once"),                            # duplicate indices
    (None, lambda i: i + 7, "must appear once"),                        # out of range
    (None, lambda i: float(i), "must appear once"),                     # not integers
])
def test_a_lying_server_stops_the_run_and_writes_nothing(tiny_model, demo_pairs, tmp_path, tamper,
                                                         reindex, message):
    from ..conftest import write_jsonl

    folder = tiny_model("llama", 5, "decision-tree-reward")  # embed task: the head is applied here
    pairs = write_jsonl(tmp_path / "p.jsonl", [
        {"id": p.id, "prompt": p.prompt, "response_1": p.response_1, "response_2": p.response_2}
        for p in list(demo_pairs)[:4]])
    with VLLMStandIn(folder, tamper=tamper, reindex=reindex) as server:
        result = CliRunner().invoke(cli, ["score", "--backend", "vllm-server", "--base-url", server.url,
                                          "--model", str(folder), "--pairs", str(pairs), "--no-cache",
                                          "--out", str(tmp_path / "s.csv"), "--quiet"])
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "s.csv").exists()


@pytest.mark.gpu
def test_offline_engine_equals_the_in_process_engine(tiny_model, demo_pairs):
    pytest.importorskip("vllm", reason="vLLM needs a CUDA build of torch: GPU machines only")
    folder = tiny_model("llama", 5, "decision-tree-reward")
    pairs = list(demo_pairs)[:24]
    local = RewardScorer.from_pretrained(folder, progress=False, cache=None)
    offline = RewardScorer.from_pretrained(folder, progress=False, cache=None, backend="vllm")
    np.testing.assert_allclose(offline.score([p.prompt for p in pairs], [p.response_1 for p in pairs]),
                               local.score([p.prompt for p in pairs], [p.response_1 for p in pairs]),
                               atol=2e-2)  # the GPU engine runs its own kernels
