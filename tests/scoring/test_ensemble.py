"""An ensemble spec (MetaMetrics-RM-style) scored as one model: the reward is the weighted sum of
the members' normalised scores, each member cached on its own, usable by score and rewardbench."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.errors import InputError
from preftree.scoring import RewardScorer, load_scorer

from ..conftest import write_jsonl, write_rewardbench


@pytest.fixture
def spec(tiny_model, tmp_path):
    path = tmp_path / "ensemble.json"
    path.write_text(json.dumps({"name": "tiny-metametrics", "bias": 0.25, "members": [
        {"model": str(tiny_model("llama", 1)), "weight": 0.7, "normalize": {"mean": 1.5, "std": 2.0},
         "name": "llama"},
        {"model": str(tiny_model("gemma2", 1)), "weight": 0.3, "normalize": {"mean": -0.5, "std": 0.5},
         "name": "gemma"}]}))
    return path


def test_the_reward_is_the_weighted_sum_of_normalised_members(spec, tiny_model, demo_pairs, tmp_path):
    pairs = list(demo_pairs)[:10]
    cache = tmp_path / "cache.sqlite"
    ensemble = load_scorer(spec, progress=False, cache=cache)
    assert ensemble.attributes == ["reward", "llama", "gemma"]
    scores = ensemble.score([p.prompt for p in pairs], [p.response_1 for p in pairs])
    path = ensemble.last_stats.path  # each member's path, named
    assert path.count("length-bucketed padded batches") == 2 and "llama: " in path, path
    alone = {name: RewardScorer.from_pretrained(tiny_model(arch, 1), progress=False, cache=cache)
             for name, arch in (("llama", "llama"), ("gemma", "gemma2"))}
    llama = alone["llama"].score([p.prompt for p in pairs], [p.response_1 for p in pairs])[:, 0]
    assert alone["llama"].last_stats.n_cached == alone["llama"].last_stats.n_distinct  # own cache
    gemma = alone["gemma"].score([p.prompt for p in pairs], [p.response_1 for p in pairs])[:, 0]
    expected = 0.25 + 0.7 * (llama - 1.5) / 2.0 + 0.3 * (gemma + 0.5) / 0.5
    np.testing.assert_allclose(scores[:, 0], expected, atol=1e-4)
    np.testing.assert_allclose(scores[:, 1], (llama - 1.5) / 2.0, atol=1e-4)


def test_score_and_rewardbench_take_an_ensemble(spec, demo_pairs, tmp_path):
    pairs = [p for p in demo_pairs if p.label in (-1, 1)][:12]
    pairs_file = write_jsonl(tmp_path / "p.jsonl", [
        {"id": p.id, "prompt": p.prompt, "response_1": p.response_1, "response_2": p.response_2}
        for p in pairs])
    result = CliRunner().invoke(cli, ["score", "--model", str(spec), "--pairs", str(pairs_file),
                                      "--no-cache", "--out", str(tmp_path / "s.csv"), "--quiet"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(tmp_path / "s.csv")
    assert list(frame.columns) == ["id", "reward_1", "reward_2", "llama_1", "llama_2", "gemma_1", "gemma_2"]
    meta = json.loads((tmp_path / "s.csv.meta.json").read_text())
    assert meta["backend"] == "ensemble" and [m["weight"] for m in meta["members"]] == [0.7, 0.3]
    data = write_rewardbench(tmp_path / "rb.jsonl", pairs)
    bench = CliRunner().invoke(cli, ["rewardbench", "--model", str(spec), "--attribute", "reward",
                                     "--data", str(data), "--resamples", "0", "--no-cache",
                                     "--out", str(tmp_path / "r.json"), "--quiet"])
    assert bench.exit_code == 0, bench.output
    assert json.loads((tmp_path / "r.json").read_text())["model"] == "tiny-metametrics"


@pytest.mark.parametrize("members, message", [
    ([], "non-empty 'members'"),
    ([{"weight": 1}], "member 1 needs 'model'"),
    ([{"model": "x", "weight": "heavy"}], "member 1: weight must be a number"),
    ([{"model": "x", "weight": 1, "normalize": {"std": 0}}], "std must be positive"),
])
def test_bad_specs_name_the_member(tmp_path, members, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"members": members}))
    with pytest.raises(InputError, match=message):
        load_scorer(path, progress=False, cache=None)


@pytest.mark.parametrize("key", ["trust_remote_code", "trust_pickle"])
def test_a_spec_file_never_grants_trust(tiny_model, tmp_path, key):
    path = tmp_path / "ensemble.json"
    path.write_text(json.dumps({"members": [
        {"model": str(tiny_model("llama", 1)), "weight": 1.0, "options": {key: True}}]}))
    with pytest.raises(InputError, match=f"cannot set '{key}'.*--trust-remote-code"):
        load_scorer(path, progress=False, cache=None)
    pairs = write_jsonl(tmp_path / "p.jsonl", [{"id": "a", "prompt": "q", "response_1": "x",
                                                "response_2": "y"}])
    result = CliRunner().invoke(cli, ["score", "--model", str(path), "--pairs", str(pairs),
                                      "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 2 and "cannot set" in result.output


def test_member_options_are_limited_to_how_a_model_is_read(tiny_model, tmp_path):
    path = tmp_path / "ensemble.json"
    path.write_text(json.dumps({"members": [
        {"model": str(tiny_model("llama", 1)), "weight": 1.0, "options": {"cache": "/etc/x"}}]}))
    with pytest.raises(InputError, match="unknown option 'cache'"):
        load_scorer(path, progress=False, cache=None)


def test_members_resolve_against_the_spec_folder(tiny_model, tmp_path, monkeypatch):
    import shutil

    folder = tmp_path / "specs"
    shutil.copytree(tiny_model("llama", 1), folder / "member")
    (folder / "ensemble.json").write_text(json.dumps({"members": [
        {"model": "./member", "weight": 1.0, "name": "m"}]}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    ensemble = load_scorer(folder / "ensemble.json", progress=False, cache=None)
    assert ensemble.members[0].model == str(folder / "member")


def test_nested_specs_are_refused_so_a_loop_cannot_form(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"members": [{"model": str(b), "weight": 1.0}]}))
    b.write_text(json.dumps({"members": [{"model": str(a), "weight": 1.0}]}))
    with pytest.raises(InputError, match="itself an ensemble spec"):
        load_scorer(a, progress=False, cache=None)


def test_the_local_loader_points_a_spec_to_load_scorer(spec):
    from preftree.errors import ConfigError

    with pytest.raises(ConfigError, match="load_scorer"):
        RewardScorer.from_pretrained(spec)
