"""One contract, three scorers: what :func:`preftree.scoring.load_scorer` returns for a model in
this process, an ensemble spec and a Ray pool (a real 2-CPU cluster) honours the same
:class:`~preftree.scoring.Scorer` protocol and behaves the same way on the same inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from preftree.errors import InputError
from preftree.scoring import RewardScorer, Scorer, ScoreRun, ScoreStats, load_scorer
from preftree.scoring.chat import conversation

from .conftest import RAY_ENV


@pytest.fixture(params=["local", "ensemble", "ray"])
def scorer(request, tiny_model, tmp_path, monkeypatch):
    model = tiny_model("llama", 1)
    if request.param == "local":
        made = load_scorer(model, progress=False, cache=tmp_path / "c.sqlite")
    elif request.param == "ensemble":
        spec = tmp_path / "ensemble.json"
        spec.write_text(json.dumps({"members": [{"model": str(model), "weight": 2.0, "name": "m",
                                                 "normalize": {"mean": 0.5, "std": 2.0}}]}))
        made = load_scorer(spec, progress=False, cache=tmp_path / "c.sqlite")
    else:
        ray = pytest.importorskip("ray", reason="--engine ray needs preftree[ray]")
        cluster = request.getfixturevalue("cluster")
        for key, value in {**RAY_ENV, "RAY_ADDRESS": cluster}.items():
            monkeypatch.setenv(key, value)
        made = load_scorer(model, engine="ray", replicas=1, progress=False,
                           cache=tmp_path / "c.sqlite")
        request.addfinalizer(ray.shutdown)
    request.addfinalizer(made.close)
    return made


def test_every_scorer_honours_the_protocol(scorer, tiny_model, demo_pairs) -> None:
    assert isinstance(scorer, Scorer)
    assert scorer.attributes and all(isinstance(a, str) for a in scorer.attributes)
    assert isinstance(scorer.description, dict) and "model" in scorer.description
    pairs = list(demo_pairs)[:6]
    prompts, responses = [p.prompt for p in pairs], [p.response_1 for p in pairs]
    scores = scorer.score(prompts, responses)
    assert scores.shape == (6, len(scorer.attributes)) and np.isfinite(scores).all()
    assert isinstance(scorer.last_stats, ScoreStats) and scorer.last_stats.n_texts == 6
    run = scorer.score_conversations([conversation(p, r) for p, r in zip(prompts, responses)],
                                     ids=[p.id for p in pairs])
    assert isinstance(run, ScoreRun) and run.truncated.shape == (6,)
    np.testing.assert_allclose(run.scores, scores, atol=1e-5)  # the same inputs, the same scores
    with pytest.raises(InputError, match="1 prompts but 2 responses"):
        scorer.score(prompts[:1], responses[:2])
    alone = RewardScorer.from_pretrained(tiny_model("llama", 1), progress=False, cache=None)
    reference = alone.score(prompts, responses)[:, 0]
    first = scores[:, 0]
    if scorer.description.get("backend") == "ensemble":
        np.testing.assert_allclose(first, 2.0 * (reference - 0.5) / 2.0, atol=1e-4)
    else:
        np.testing.assert_allclose(first, reference, atol=1e-4)
    scorer.close()
    scorer.close()  # twice is harmless


def test_the_local_loader_is_local_only(tiny_model) -> None:
    from preftree.errors import ConfigError

    with pytest.raises(ConfigError, match="load_scorer"):
        RewardScorer.from_pretrained(tiny_model("llama", 1), engine="ray")
