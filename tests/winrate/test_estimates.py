"""Win-rate estimates on synthetic judges with known coefficients."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from preftree.errors import InputError
from preftree.winrate.estimates import fit_length_controlled, raw_win_rate
from preftree.winrate.inputs import read_comparisons
from preftree.winrate.run import win_rates

THETA = {"good": 0.8, "mid": 0.0, "bad": -0.8, "verbose": -0.2}
PHI = 1.5


def synthetic(seed: int = 0, n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    """A judge whose verdicts add a known length effect; 'verbose' is always much longer."""
    rng = np.random.default_rng(seed)
    delta = rng.normal(0, 1, n)
    rows = []
    for model, theta in THETA.items():
        for k in range(n):
            extra = (600 if model == "verbose" else 0) + rng.normal(0, 200)
            text_a, text_b = "x " * max(5, int(200 + extra / 2)), "y " * 200
            p = expit(theta + PHI * np.tanh((len(text_a) - len(text_b)) / 300) - delta[k])
            rows.append({"model_a": model, "model_b": "base", "outcome": float(rng.random() < p),
                         "instruction": f"i{k}", "text_a": text_a, "text_b": text_b, "source": "synthetic"})
    return pd.DataFrame(rows), delta


def test_the_model_terms_are_recovered_within_their_intervals() -> None:
    frame, _ = synthetic()
    lengths = (frame["text_a"].str.len() - frame["text_b"].str.len()).to_numpy(float)
    fit = fit_length_controlled(frame["model_a"].to_numpy(), frame["instruction"].to_numpy(), lengths,
                                frame["outcome"].to_numpy())
    spread_ratio = fit.spread / 300  # φ is per unit of tanh(Δ/σ), σ the data's spread
    for model, theta in THETA.items():
        m = fit.models.index(model)
        assert abs(fit.theta[m] - theta) < 1.96 * fit.theta_se[m] + 0.15, model  # shrinkage of δ
    assert fit.length_coefficient == pytest.approx(PHI, abs=0.35 + 0.5 * abs(spread_ratio - 1))


def test_length_control_removes_the_verbose_models_advantage() -> None:
    frame, delta = synthetic()
    result = win_rates(frame, baseline="base", resamples=10)
    table = result.table.set_index("model")
    # raw: the verbose model looks best; controlled, it falls below the mid model
    assert table["win_rate"].idxmax() == "verbose"
    assert table.at["verbose", "lc_win_rate"] < table.at["mid", "lc_win_rate"] < table.at["good", "lc_win_rate"]
    truth = 100 * expit(THETA["verbose"] - delta).mean()
    assert abs(table.at["verbose", "lc_win_rate"] - truth) < 2.5 * table.at["verbose", "lc_se"] + 3
    # style control with the style features: length gets a positive coefficient, verbose drops in rank
    coefficients = result.controlled.coefficients.set_index("feature")
    assert coefficients.loc["length_chars", "low"] > 0
    assert table.at["verbose", "rank_shift"] < 0


def test_raw_win_rate_keeps_soft_preferences() -> None:
    win, se, discrete = raw_win_rate(np.array([0.9, 0.6, 0.5, 0.2]))
    assert win == pytest.approx(55.0) and discrete == pytest.approx(62.5) and se > 0


def test_alpacaeval_annotations_and_arena_battles_are_read(tmp_path: Path) -> None:
    annotations = [{"instruction": f"q{i}", "output_1": "base answer", "generator_1": "gpt4_1106_preview",
                    "output_2": "model answer " * i, "generator_2": "m", "preference": p,
                    "annotator": "weighted_alpaca_eval_gpt4_turbo"}
                   for i, p in enumerate([1.0, 2.0, 1.5, 1.73, None])]
    (tmp_path / "annotations.json").write_text(json.dumps(annotations))
    def talk(answer: str) -> list[dict[str, str]]:
        return [{"role": "user", "content": "q"}, {"role": "assistant", "content": answer}]

    battles = [{"question_id": f"b{i}", "model_a": "x", "model_b": "y", "winner": winner, "judge": "arena_user_1",
                "conversation_a": talk("a"), "conversation_b": talk("b"), "turn": 1, "language": "English",
                "tstamp": 1.7e9} for i, winner in enumerate(["model_a", "tie (bothbad)", "oops"])]
    (tmp_path / "battles.jsonl").write_text("\n".join(json.dumps(b) for b in battles))
    annotated = read_comparisons([tmp_path / "annotations.json"])
    fought = read_comparisons([tmp_path / "battles.jsonl"])
    assert annotated.formats.popitem()[1] == "alpacaeval"
    assert fought.formats.popitem()[1] == "mt-bench"  # both battle layouts fit: read alike
    soft = annotated.frame["outcome"].tolist()
    assert soft == pytest.approx([0.0, 1.0, 0.5, 0.73])  # never rounded
    assert annotated.declared_baselines == {"gpt4_1106_preview"}
    assert annotated.judge == "weighted_alpaca_eval_gpt4_turbo" and fought.judge == "arena_user_1"
    assert fought.frame["outcome"].tolist() == [1.0, 0.5]
    assert [why for _, _, why in annotated.skipped] == ["preference None is not a number in [1, 2]"]
    assert fought.skipped[0][2].startswith("'winner' is 'oops'")
    with pytest.raises(InputError, match="mix AlpacaEval annotations with battles"):
        read_comparisons([tmp_path])


def test_the_residual_tree_finds_what_the_controlled_model_left() -> None:
    """Outcomes depend linearly on x1 (controlled) and on a threshold of x2 (not controlled): the
    ordinary tree's root splits on x1, the residual tree's on x2 near its threshold."""
    from preftree.winrate.residual import fit_residual_trees

    rng = np.random.default_rng(0)
    n = 3000
    x1, x2 = rng.normal(0, 1, n), rng.normal(0, 1, n)
    controlled = expit(2.5 * x1)
    outcome = (rng.random(n) < expit(2.5 * x1 + 1.5 * (x2 > 0.8))).astype(float)
    differences = pd.DataFrame({"x1_diff": -x1, "x2_diff": -x2})  # response_2 − response_1 = b − a
    trees = fit_residual_trees(differences, outcome, controlled)
    assert trees is not None
    ordinary, residual = trees.ordinary.structure_, trees.residual.structure_
    assert trees.ordinary.feature_names_[int(ordinary.feature[0])] == "x1_diff"
    assert trees.residual.feature_names_[int(residual.feature[0])] == "x2_diff"
    assert abs(float(residual.threshold[0]) + 0.8) < 0.25
