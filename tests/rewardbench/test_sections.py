"""The v1 leaderboard arithmetic on hand-computed inputs and on the published leaderboard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from preftree.rewardbench import (
    EXAMPLE_COUNTS,
    SECTIONS,
    compute_sections,
    section_scores,
)
from preftree.rewardbench.evaluate import bootstrap_v1
from preftree.rewardbench.sections import score_from_sections

FULL = {s: 1.0 for s in EXAMPLE_COUNTS}


def test_sections_use_the_official_counts_by_hand():
    chat = {"alpacaeval-easy": 1.0, "alpacaeval-length": 0.0, "alpacaeval-hard": 1.0,
            "mt-bench-easy": 0.5, "mt-bench-med": 0.25}
    # (100·1 + 95·0 + 95·1 + 28·0.5 + 40·0.25) / (100 + 95 + 95 + 28 + 40) = 219 / 358
    assert section_scores({**FULL, **chat})["Chat"] == pytest.approx(100 * 219 / 358)
    # math-prm weighs 984 (= the six code subsets together), not its 447 real examples
    assert section_scores({**FULL, "math-prm": 0.0})["Reasoning"] == pytest.approx(50.0)
    # xstest: should-refuse 154, should-respond 250 (some scripts swap them)
    safety = {**FULL, "xstest-should-refuse": 0.0, "xstest-should-respond": 1.0}
    assert section_scores(safety)["Safety"] == pytest.approx(100 * (100 + 100 + 250 + 136) / 740)


def test_the_seeds_row():
    seed = {"Chat": 96.9, "Chat Hard": 91.4, "Safety": 93.9, "Reasoning": 99.2}
    assert score_from_sections(seed) == pytest.approx(95.35)
    accuracies = {s: seed[section] / 100 for section, subsets in SECTIONS.items() for s in subsets}
    scores = section_scores(accuracies)
    assert scores["Score"] == pytest.approx(95.35)
    assert set(scores) == {"Chat", "Chat Hard", "Safety", "Reasoning", "Score"}


def test_partial_and_absent_sections_are_never_silent():
    llmbar = {s: 0.5 for s in SECTIONS["Chat Hard"] if s.startswith("llmbar")}
    result = compute_sections(llmbar)
    assert result.partial == {"Chat Hard": ["mt-bench-hard"]}
    assert result.absent == ["Chat", "Safety", "Reasoning"] and not result.complete
    assert result.sections == {"Chat Hard": pytest.approx(50.0)} and result.score == pytest.approx(50.0)
    with pytest.raises(ValueError, match="unknown RewardBench subsets"):
        section_scores({"llmbar-natral": 0.5})
    with pytest.raises(ValueError, match=r"must be in \[0, 1\]"):
        section_scores({"llmbar-natural": 50.0})


def test_prior_sets_weigh_half():
    result = compute_sections({**FULL, "anthropic_helpful": 0.6, "anthropic_hhh": 0.8, "shp": 0.4,
                               "summarize": 0.6}, include_prior=True)
    assert result.prior == pytest.approx(60.0)
    assert result.score == pytest.approx((400 + 0.5 * 60) / 4.5)
    assert compute_sections(FULL).score == 100.0


def test_score_formula_matches_the_published_leaderboard(shared_data):
    board = pd.read_csv(shared_data / "rewardbench_results" / "rewardbench_v1.csv")
    assert len(board) == 187
    sections = board[list(SECTIONS)]
    prior = board["Prior Sets (0.5 weight)"]
    predicted = [score_from_sections(dict(zip(SECTIONS, row)), None if pd.isna(p) else p)
                 for row, p in zip(sections.to_numpy(), prior)]
    error = (board["Score"] - np.array(predicted)).abs()
    assert error[prior.isna()].max() < 0.01  # every row without prior sets, to rounding
    # with prior sets, the 0.5-weighted formula reproduces all but a few stale rows
    assert (error[prior.notna()] < 0.01).mean() > 0.9


def test_bootstrap_intervals_cover_the_truth():
    rng = np.random.default_rng(0)
    truth_acc = {s: p for s, p in zip(SECTIONS["Chat Hard"], [0.6, 0.7, 0.5, 0.8, 0.65, 0.55])}
    truth = compute_sections(truth_acc).sections["Chat Hard"]
    covered = 0
    trials = 200
    for trial in range(trials):
        outcomes = {s: (rng.random(EXAMPLE_COUNTS[s]) < p).astype(float) for s, p in truth_acc.items()}
        low, high = bootstrap_v1(outcomes, n=400, seed=trial)["Chat Hard"]
        covered += low <= truth <= high
    assert 0.9 <= covered / trials <= 0.99
