"""The explain pipeline on real public data: LLMBar with 12 LLM judges, JudgeBench with 5 reward models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from preftree import ExplainConfig, build_features, explain, load_judges, load_pairs
from preftree.report import write_outputs

pytestmark = pytest.mark.shared_data


def test_llmbar_twelve_judges(shared_data: Path, tmp_path: Path) -> None:
    pairs = load_pairs(shared_data / "llmbar" / "pairs.jsonl", label_name="gold")
    judges = load_judges([shared_data / "llmbar" / "judges"], pairs=pairs)
    assert len(pairs) == 419 and len(judges) == 12
    result = explain(pairs, judges, ["style"], ExplainConfig(bootstrap=20, seed=0), progress=False)
    assert len(result.judges) == 12
    raw = {p.stem: pd.read_csv(p) for p in (shared_data / "llmbar" / "judges").glob("*.csv")}
    gold = pairs.labels()
    for explanation in result.judges:
        frame = raw[explanation.judge].set_index("index")
        # agreement with gold and consistency computed independently from the raw file
        expected_agreement = float((frame["preference"] == gold.loc[frame.index]).mean())
        assert explanation.extra["agreement_with_label"] == pytest.approx(expected_agreement)
        expected_consistency = float((frame["preference_orig_order"]
                                      == frame["preference_swapped_order"]).mean())
        assert explanation.extra["consistency"] == pytest.approx(expected_consistency)
        assert explanation.tree.n_ties_dropped_ == int((frame["preference"] == 0).sum())
        assert explanation.tree.depth_ == 3
        assert 0.0 <= explanation.cv.accuracy <= 1.0
    by_name = {e.judge: e for e in result.judges}
    # GPT-4 is known to agree with LLMBar's gold labels far more than Falcon does.
    assert by_name["GPT-4-CoT"].extra["agreement_with_label"] > 0.7
    assert by_name["GPT-4-CoT"].extra["agreement_with_label"] > \
        by_name["Falcon-Vanilla"].extra["agreement_with_label"] + 0.2
    assert set(result.agreement.index) == {e.judge for e in result.judges} | {"gold"}
    out = write_outputs(result, tmp_path / "out")
    assert (out / "GPT-4-CoT" / "tree.png").stat().st_size > 1000
    agreement = pd.read_csv(out / "agreement.csv", index_col="judge")
    assert agreement.loc["GPT-4-CoT", "gold"] == pytest.approx(
        by_name["GPT-4-CoT"].extra["agreement_with_label"])
    assert np.allclose(np.diag(agreement.to_numpy()), 1.0)


def test_judgebench_reward_model_scores(shared_data: Path, tmp_path: Path) -> None:
    pairs = load_pairs(shared_data / "judgebench" / "pairs.jsonl", label_name="gold")
    assert len(pairs) == 350 and set(pairs.labels().unique()) == {-1, 1}
    frames = []
    for path in sorted((shared_data / "judgebench" / "reward_models").glob("*.jsonl")):
        scores = pd.read_json(path, lines=True)
        name = path.stem.split("_", 1)[1]
        frames.append(scores.set_index("pair_id")[["score_A", "score_B"]]
                      .rename(columns={"score_A": f"{name}_1", "score_B": f"{name}_2"}))
    table = pd.concat(frames, axis=1).rename_axis("id").reset_index()
    table.to_parquet(tmp_path / "scores.parquet")
    features = build_features(pairs, [f"scores:{tmp_path / 'scores.parquet'}"])
    assert len(features.feature_names) == 5
    result = explain(pairs, [], features, ExplainConfig(bootstrap=20, seed=0), progress=False)
    [gold] = result.judges
    diffs = features.diffs
    labels = pairs.labels().loc[diffs.index].to_numpy()
    # each reward model as a sign rule, computed here by hand
    accuracies = {c: float(np.mean(np.where(diffs[c] > 0, 1, -1) == labels)) for c in diffs}
    best = max(accuracies, key=accuracies.get)
    assert 0.5 < accuracies[best] < 0.8  # JudgeBench is hard for reward models
    assert gold.cv.single_feature_accuracies[best] >= max(accuracies.values()) - 0.05
    assert gold.cv.majority_baseline == pytest.approx(max(np.mean(labels == 1), np.mean(labels == -1)),
                                                      abs=0.02)
    assert gold.importances["feature"].iloc[0] in accuracies
