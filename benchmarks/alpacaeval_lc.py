"""preftree winrate against AlpacaEval 2.0's published numbers, from the annotations they came from.

Needs a checkout of tatsu-lab/alpaca_eval (not shipped, not committed): its
``results/<model>/weighted_alpaca_eval_gpt4_turbo/annotations.json`` files and the leaderboard
``src/alpaca_eval/leaderboards/data_AlpacaEval_2/weighted_alpaca_eval_gpt4_turbo_leaderboard.csv``.

    python benchmarks/alpacaeval_lc.py --repo PATH/TO/alpaca_eval

Prints, for the models whose annotations are present: the largest difference of the raw and
discrete win rates to the published ones (they must be equal), and for each LC estimator the
Spearman and Pearson correlation with the published LC win rates and the median and largest
absolute difference (percentage points). Models are named by their results folder, as the
leaderboard names them (the NullModel's annotations say ``generator_2: example``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import pearsonr, spearmanr

from preftree.winrate import read_comparisons
from preftree.winrate.estimates import fit_length_controlled, lc_win_rate, raw_win_rate
from preftree.winrate.run import against_baseline

LEADERBOARD = "src/alpaca_eval/leaderboards/data_AlpacaEval_2/weighted_alpaca_eval_gpt4_turbo_leaderboard.csv"
BASELINE = "gpt4_1106_preview"


def folder_model(source: str) -> str:
    """results/<model>/weighted_alpaca_eval_gpt4_turbo/annotations.json → <model>."""
    parts = Path(source).parts
    return parts[parts.index("results") + 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, required=True, help="a checkout of tatsu-lab/alpaca_eval")
    args = parser.parse_args()
    files = sorted((args.repo / "results").glob("*/weighted_alpaca_eval_gpt4_turbo/**/annotations.json"))
    published = pd.read_csv(args.repo / LEADERBOARD, index_col=0)
    start = time.perf_counter()
    comparisons = read_comparisons(files)
    frame = comparisons.frame.assign(model_a=[folder_model(s) for s in comparisons.frame["source"]])
    frame = against_baseline(frame[frame["model_a"] != BASELINE], BASELINE)
    read_s = time.perf_counter() - start
    models = sorted(set(frame["model_a"]) & set(published.index))
    print(f"{len(files)} annotation files, {len(comparisons.frame)} annotations, "
          f"{len(comparisons.skipped)} rows skipped (copies, nulls); {len(models)} models also on the "
          f"published leaderboard ({len(published)} there); read in {read_s:.1f} s")

    raw = {m: raw_win_rate(g["outcome"].to_numpy()) for m, g in frame.groupby("model_a")}
    raw_diff = max(abs(raw[m][0] - published.at[m, "win_rate"]) for m in models)
    discrete_diff = max(abs(raw[m][2] - published.at[m, "discrete_win_rate"]) for m in models)
    print(f"raw win rate: largest |preftree − published| = {raw_diff:.2e} points; "
          f"discrete: {discrete_diff:.2e}")

    lengths = (frame["text_a"].str.len() - frame["text_b"].str.len()).to_numpy(float)
    truth = published.loc[models, "length_controlled_winrate"].to_numpy()
    print(f"\n{'LC estimator':58s} {'Spearman':>8s} {'Pearson':>8s} {'median|Δ|':>9s} {'max|Δ|':>7s} {'fit s':>6s}")
    variants = [("shared φ, δ estimated from these models (default)", {}),
                ("φ_m pooled toward the shared φ (--pooling 100)", {"pooling": 100.0}),
                ("φ_m pooled toward the shared φ (--pooling 10)", {"pooling": 10.0}),
                ("shared φ, no instruction difficulty (δ = 0)", {"difficulties": {}})]
    for name, options in variants:
        start = time.perf_counter()
        fit = fit_length_controlled(frame["model_a"].to_numpy(), frame["instruction"].to_numpy(), lengths,
                                    frame["outcome"].to_numpy(), **options)
        seconds = time.perf_counter() - start
        ours = np.array([lc_win_rate(fit, m, frame.loc[frame["model_a"] == m, "instruction"].to_numpy())[0]
                         for m in models])
        gap = np.abs(ours - truth)
        print(f"{name:58s} {spearmanr(ours, truth).statistic:8.3f} {pearsonr(ours, truth).statistic:8.3f} "
              f"{np.median(gap):9.2f} {gap.max():7.2f} {seconds:6.1f}")
    print(f"\nraw win rate vs published LC (no control), for scale: Spearman "
          f"{spearmanr([raw[m][0] for m in models], truth).statistic:.3f}, median |Δ| "
          f"{np.median(np.abs(np.array([raw[m][0] for m in models]) - truth)):.2f}")


if __name__ == "__main__":
    main()
