"""Win rates the data cannot support are left empty with the reason (issue 27, item 1)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from preftree.cli import cli
from preftree.winrate.identification import identify
from preftree.winrate.run import win_rates

# RM-Bench's styles as pseudo-models: typical answer lengths (characters) against a 300-character baseline
STYLES = {"plain-wrong": 400, "plain-correct": 380, "markdown-wrong": 900, "markdown-correct": 880,
          "concise-wrong": 100, "concise-correct": 120}


def length_judge(noise: float = 0.0, n: int = 120, seed: int = 0, models: dict[str, int] = STYLES) -> pd.DataFrame:
    """Each style against a baseline; the judge picks the longer answer (flipped with ``noise``)."""
    rng = np.random.default_rng(seed)
    rows = []
    for model, typical in models.items():
        for k in range(n):
            a, b = max(5, int(typical + rng.normal(0, 150))), max(5, int(300 + rng.normal(0, 100)))
            win = (a > b) if rng.random() >= noise else (a < b)
            rows.append({"model_a": model, "model_b": "base", "outcome": float(win), "instruction": f"i{k}",
                         "text_a": "x " * (a // 2), "text_b": "y " * (b // 2), "source": "synthetic", "row": k})
    return pd.DataFrame(rows)


def test_the_linear_programme_finds_separation_and_spares_overlap() -> None:
    x = np.array([[1.0], [2.0], [-1.0], [-2.0]])
    assert identify(x, np.array([1, 1, 0, 0])).unidentified.tolist() == [True]  # sign of x decides
    assert identify(x, np.array([1, 0, 0, 1])).unidentified.tolist() == [False]  # overlap: finite MLE
    assert identify(x, np.array([1, 1, 0.5, 0])).unidentified.tolist() == [False]  # a tie pins it
    # two terms: the first separates rows 0-1, the second is pinned by overlapping rows 2-5
    two = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, -1], [0, -1]], float)
    found = identify(two, np.array([1, 1, 1, 0, 1, 0]))
    assert found.unidentified.tolist() == [True, False] and found.separated_rows.tolist()[:2] == [True, True]
    # collinear columns: not identified, and said so
    twins = np.array([[1, 1], [2, 2], [-1, -1], [1, 1]], float)
    found = identify(twins, np.array([1, 0, 1, 0]))
    assert found.unidentified.all() and "collinear" in found.reason(0)


def test_a_length_only_judge_gets_no_lc_and_no_zero_se() -> None:
    result = win_rates(length_judge(), baseline="base", resamples=5)
    table = result.table.set_index("model")
    others = table.drop(index="base")
    assert others["lc_win_rate"].isna().all() and others["lc_se"].isna().all()
    assert others["note"].str.contains("LC not identified").all()
    assert (table["win_rate_se"].dropna() > 0).all()  # never an SE of 0 beside an estimate
    won_everything = table.loc["markdown-correct"]
    assert won_everything["win_rate"] == 100 and pd.isna(won_everything["win_rate_se"])
    assert "same outcome" in won_everything["note"]
    reasons = {w["model"]: w["reason"] for w in result.warnings}
    assert "separated" in reasons["(all: length coefficient)"]
    assert "(all: feature length_chars)" in reasons  # the style term separates the battles too
    assert result.length is not None and result.length.length_unidentified
    assert np.isfinite(result.length.length_coefficient) and abs(result.length.length_coefficient) < 100


def test_a_noisy_length_judge_gives_straddling_models_lc_near_50() -> None:
    straddling = {"plain-a": 320, "plain-b": 280, "plain-c": 300}
    result = win_rates(length_judge(noise=0.1, n=300, models={**straddling, "long": 900}), baseline="base",
                       resamples=0)
    table = result.table.set_index("model")
    for model in straddling:
        assert abs(table.at[model, "lc_win_rate"] - 50) < 8, (model, table.at[model, "lc_win_rate"])
        assert 0 < table.at[model, "lc_se"] < 10
    assert "never changes sign" in table.at["long", "note"]  # LC extrapolates for it: said
    assert result.length is not None and result.length.length_unidentified is None


def test_arena_battles_judged_by_length_leave_the_shared_terms_empty() -> None:
    rng = np.random.default_rng(1)
    typical = {"a": 200, "b": 400, "c": 600, "d": 800, "e": 1000}
    rows = []
    for k in range(400):
        first, second = rng.choice(list(typical), 2, replace=False)
        la, lb = (max(5, int(typical[m] + rng.normal(0, 250))) for m in (first, second))
        rows.append({"model_a": first, "model_b": second, "outcome": float(la > lb), "instruction": f"q{k}",
                     "text_a": "w " * (la // 2), "text_b": "v " * (lb // 2), "source": "battles", "row": k})
    result = win_rates(pd.DataFrame(rows), baseline="a", resamples=5)
    assert result.controlled is not None
    coefficients = result.controlled.coefficients.set_index("feature")
    assert coefficients["coefficient"].isna().any()  # the length term separates every battle
    assert result.table["sc_rating"].drop(result.table.index[result.table["model"] == "a"]).isna().all()
    assert not (result.table["lc_se"].dropna() > 25).any()  # no SE of thousands of points


def test_cli_table_json_report_and_leaderboard_say_why(tmp_path: Path) -> None:
    frame = length_judge(n=60)
    battles = [{"model_a": r.model_a, "model_b": r.model_b, "winner": "model_a" if r.outcome else "model_b",
                "conversation_a": [{"role": "user", "content": r.instruction}, {"role": "assistant", "content": r.text_a}],
                "conversation_b": [{"role": "user", "content": r.instruction}, {"role": "assistant", "content": r.text_b}],
                "question_id": f"q{i}", "language": "English"} for i, r in enumerate(frame.itertuples())]
    source = tmp_path / "battles.jsonl"
    source.write_text("\n".join(json.dumps(b) for b in battles) + "\n")
    out = tmp_path / "w" / "winrate.csv"
    result = CliRunner().invoke(cli, ["winrate", str(source), "--baseline", "base", "--resamples", "5",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning: (all: length coefficient): separated" in result.output
    assert "lc_se 0" not in result.output and "± 0.0" not in result.output
    table = pd.read_csv(out).set_index("model")
    assert table.drop(index="base")["lc_win_rate"].isna().all() and "note" in table.columns
    document = json.loads(out.with_suffix(".json").read_text())
    assert document["length_control"]["length_coefficient"] is None
    assert "separated" in document["length_control"]["not_identified"]
    assert len(document["warnings"]) >= len(STYLES)
    board = CliRunner().invoke(cli, ["leaderboard", "--results", str(out.with_suffix(".json")), "--published",
                                     "none", "--format", "csv"])
    assert board.exit_code == 0, board.output
    ranked = pd.read_csv(__import__("io").StringIO(board.stdout))
    assert ranked["rank"].isna().all()  # with LCs missing, nobody's place among them is known
    assert "no ranks: " in board.stderr and "length coefficient" in board.stderr
    assert ranked.loc[ranked["model"] == "plain-wrong", "note"].str.contains("LC not identified").all()
    report = CliRunner().invoke(cli, ["report", str(out.with_suffix(".json")), "--out", str(tmp_path / "r.html")])
    assert report.exit_code == 0, report.output
    page = (tmp_path / "r.html").read_text()
    assert "not identified" in page and "length coefficient not identified" in page


def test_ranks_and_intervals_the_data_do_not_support_are_empty() -> None:
    """Review findings: a model separated upward left the baseline ranked first; 300 models of
    three comparisons each kept intervals of a thousand Elo points; all ties gave [1000, 1000]."""
    rng = np.random.default_rng(3)
    rows = [{"model_a": "winner", "model_b": "base", "outcome": 1.0, "instruction": f"w{k}", "text_a": "a" * int(rng.integers(5, 50)),
             "text_b": "b" * int(rng.integers(5, 50))} for k in range(30)]
    rows += [{"model_a": "mid", "model_b": "base", "outcome": float(rng.random() < 0.5), "instruction": f"m{k}",
              "text_a": "a" * int(rng.integers(5, 50)), "text_b": "b" * int(rng.integers(5, 50))} for k in range(30)]
    result = win_rates(pd.DataFrame(rows), baseline="base", resamples=10)
    table = result.table.set_index("model")
    assert table["rank"].isna().all()  # "winner" is known to be above, but not where: no ranks at all
    assert any(w["model"].startswith("(all: ranks") for w in result.warnings)
    sparse_rows = [{"model_a": f"m{i}", "model_b": "base", "outcome": float(rng.random() < 0.6), "instruction": f"i{i}-{k}",
                    "text_a": "a" * int(rng.integers(5, 50)), "text_b": "b" * int(rng.integers(5, 50))}
                   for i in range(40) for k in range(3)]
    sparse = win_rates(pd.DataFrame(sparse_rows), baseline="base", resamples=20)
    widths = (sparse.table["rating_high"] - sparse.table["rating_low"]).dropna()
    assert (widths <= 800).all()
    ties = [{**r, "outcome": 0.5} for r in rows]
    flat = win_rates(pd.DataFrame(ties), baseline="base", resamples=10)
    assert flat.table["rating_low"].isna().all() and flat.table["win_rate_se"].isna().all()
    assert any("same estimate" in w["reason"] for w in flat.warnings)


def test_pooled_length_coefficients_of_unidentified_models_are_not_printed() -> None:
    frame = length_judge(noise=0.1, n=60, models={"a": 320, "b": 280, "c": 300})
    winner = frame[frame["model_a"] == "a"].assign(model_a="always", outcome=1.0)
    result = win_rates(pd.concat([frame, winner], ignore_index=True), baseline="base", resamples=0, pooling=0.001)
    row = result.table.set_index("model").loc["always"]
    assert pd.isna(row["lc_win_rate"]) and pd.isna(row["length_coefficient"])
    from preftree.winrate.document import winrate_document
    from preftree.winrate.inputs import Comparisons

    document = winrate_document(result, Comparisons(frame, {}, [], set(), None, []), settings={})
    assert "always" not in document["length_control"]["per_model"]


def test_a_lone_anchor_is_no_flat_interval() -> None:
    """Three battles, A beats B 2-1: A's rating is too loose to print; that is not 'every
    resample gives the same estimate' (only the anchor's does)."""
    rows = [{"model_a": "A", "model_b": "B", "outcome": o, "instruction": f"q{i}", "text_a": "a" * (5 + i),
             "text_b": "b" * 7} for i, o in enumerate([1.0, 1.0, 0.0])]
    result = win_rates(pd.DataFrame(rows), baseline="B", resamples=30)
    assert not any("same estimate" in w["reason"] for w in result.warnings)
