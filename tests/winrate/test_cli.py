"""``preftree winrate`` end to end: AlpacaEval annotations in the published files' exact schema
(with the quirks found in tatsu-lab/alpaca_eval's results/), Arena battles, judge files over pairs,
the outputs, the report and the leaderboard."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.special import expit

from preftree.cli import cli

BASELINE = "gpt4_1106_preview"
RUNNER_KEYS = ("annotator", "dataset", "generator_1", "generator_2", "instruction", "output_1", "output_2",
               "preference", "price_per_example", "raw_completion", "time_per_example")


def alpacaeval_results(root: Path, n: int = 60, seed: int = 0) -> dict[str, list[float]]:
    """``results/<model>/weighted_alpaca_eval_gpt4_turbo/annotations.json`` for three models, as
    AlpacaEval publishes them: the baseline is output_1/generator_1, weighted (soft) preferences in
    [1, 2], exact 1.5 draws, a legacy 0 draw, a null preference, an extra ``glm_preference``
    column in one file, and one folder nested in itself holding a copy (as vicuna-13b-v1.5's is).
    Returns each model's preferences as written."""
    rng = np.random.default_rng(seed)
    written: dict[str, list[float]] = {}
    for k, (model, quality, verbosity) in enumerate([("good", 1.0, 0), ("verbose", -0.3, 900), ("plain", 0.0, 0)]):
        records = []
        for i in range(n):
            extra = verbosity + int(rng.normal(0, 150))
            base, answer = "b" * 400, "a" * max(20, 400 + extra)
            p = float(expit(quality + 1.5 * np.tanh((len(answer) - len(base)) / 500) + rng.normal(0, 0.5)))
            record = dict.fromkeys(RUNNER_KEYS, None) | {
                "annotator": "weighted_alpaca_eval_gpt4_turbo", "dataset": "helpful_base",
                "generator_1": BASELINE, "generator_2": model, "instruction": f"Instruction {i}?",
                "output_1": base, "output_2": answer, "preference": 1 + p, "price_per_example": 0.01,
                "raw_completion": {"logprobs": None}, "time_per_example": 0.5}
            records.append(record)
        records[0]["preference"] = 1.5          # an exact draw
        records[1]["preference"] = 0            # AlpacaEval's legacy draw coding
        records[2]["preference"] = None         # a failed annotation
        if model == "plain":
            for r in records:
                r["glm_preference"] = 0.5
        folder = root / "results" / model / "weighted_alpaca_eval_gpt4_turbo"
        folder.mkdir(parents=True)
        (folder / "annotations.json").write_text(json.dumps(records, indent=2))
        if k == 0:
            (folder / "weighted_alpaca_eval_gpt4_turbo").mkdir()
            (folder / "weighted_alpaca_eval_gpt4_turbo" / "annotations.json").write_text(json.dumps(records))
        written[model] = [r["preference"] for r in records]
    return written


def expected_win_rate(preferences: list[float | None]) -> float:
    """AlpacaEval's definition, written out: 0 and 1.5 are draws, nulls are dropped, mean of p − 1."""
    kept = [1.5 if p == 0 else p for p in preferences if p is not None]
    return 100 * float(np.mean([p - 1 for p in kept]))


def run(*args: str) -> object:
    result = CliRunner().invoke(cli, ["winrate", *args], catch_exceptions=False)
    return result


def test_alpacaeval_results_folder(tmp_path: Path) -> None:
    written = alpacaeval_results(tmp_path)
    out = tmp_path / "out" / "winrate.csv"
    result = run(str(tmp_path / "results"), "--resamples", "5", "--out", str(out))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out).set_index("model")
    for model, preferences in written.items():
        assert table.at[model, "win_rate"] == pytest.approx(expected_win_rate(preferences), abs=1e-4)
        assert table.at[model, "n"] == len(preferences) - 1  # the null dropped, the copy not counted twice
    assert table.at[BASELINE, "win_rate"] == 50 and table.at[BASELINE, "lc_win_rate"] == 50
    # the verbose model's raw lead shrinks once length is controlled
    assert table.at["verbose", "lc_win_rate"] < table.at["verbose", "win_rate"] - 5
    document = json.loads(out.with_suffix(".json").read_text())
    assert document["skipped"]["n"] == 3 + 60  # three nulls, the nested copy's 60 rows
    assert any("a copy" in row["why"] for row in document["skipped"]["rows"])
    assert document["length_control"]["length_coefficient"] > 0
    assert set(document["trees"]) >= {"ordinary", "residual", "features"}
    assert "baseline: gpt4_1106_preview" in result.output and "residual tree" in result.output


def test_difficulties_round_trip_and_alpacaevals_file_refused(tmp_path: Path) -> None:
    alpacaeval_results(tmp_path)
    first, second = tmp_path / "a" / "winrate.csv", tmp_path / "b" / "winrate.csv"
    assert run(str(tmp_path / "results"), "--resamples", "0", "--quiet", "--out", str(first)).exit_code == 0
    # one model rated alone against the reference run (its δ, φ and σ): only θ is fitted, and
    # given the others, θ is separable per model, so LC is the joint run's
    alone = tmp_path / "results" / "verbose"
    again = run(str(alone), "--resamples", "0", "--quiet", "--difficulties", str(first.with_suffix(".json")),
                "--out", str(second))
    assert again.exit_code == 0, again.output
    lc_first = pd.read_csv(first).set_index("model")["lc_win_rate"]
    lc_second = pd.read_csv(second).set_index("model")["lc_win_rate"]
    assert lc_second["verbose"] == pytest.approx(lc_first["verbose"], abs=0.05)
    without = run(str(alone), "--resamples", "0", "--quiet", "--out", str(tmp_path / "c" / "w.csv"))
    assert without.exit_code == 0  # alone, always longer: its quality and its length cannot be told apart
    alone_row = pd.read_csv(tmp_path / "c" / "w.csv").set_index("model").loc["verbose"]
    assert pd.isna(alone_row["lc_win_rate"]) and pd.isna(alone_row["lc_se"])
    assert "LC not identified" in alone_row["note"]
    assert any(w["model"] == "verbose" for w in json.loads((tmp_path / "c" / "w.json").read_text())["warnings"])
    theirs = tmp_path / "instruction_difficulty.csv"
    theirs.write_text("index,instruction_difficulty\n0,-1.2\n1,0.4\n")
    refused = CliRunner().invoke(cli, ["winrate", str(tmp_path / "results"), "--difficulties", str(theirs),
                                       "--out", str(tmp_path / "c.csv")])
    assert refused.exit_code != 0 and "AlpacaEval's instruction_difficulty.csv" in refused.output
    assert not (tmp_path / "c.csv").exists()


def battles(n: int = 600, seed: int = 1) -> pd.DataFrame:
    """Arena battles among four models; the judge adds a known bonus for markdown headers."""
    rng = np.random.default_rng(seed)
    theta = {"alpha": 0.6, "beta": 0.2, "gamma": 0.0, "delta": -0.4}
    headers = {"alpha": 0.1, "beta": 0.9, "gamma": 0.5, "delta": 0.5}  # beta decorates, alpha does not
    rows = []
    for i in range(n):
        a, b = rng.choice(list(theta), 2, replace=False)
        text = {m: ("# Title\n" if rng.random() < headers[m] else "") + "word " * int(rng.integers(40, 60))
                for m in (a, b)}
        bonus = 1.5 * (text[a].startswith("#") - text[b].startswith("#"))
        p = expit(theta[a] - theta[b] + bonus)
        u = rng.random()
        winner = "model_a" if u < p * 0.9 else "model_b" if u < 0.9 else "tie"
        rows.append({"question_id": f"q{i}", "model_a": a, "model_b": b, "winner": winner,
                     "conversation_a": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": text[a]}],
                     "conversation_b": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": text[b]}],
                     "turn": 1, "language": "English"})
    rows[5]["winner"] = "oops"
    rows[6]["winner"] = "both_bad"  # the 100k/140k releases' tie
    rows[7]["model_b"] = None       # no model name
    return pd.DataFrame(rows)


def test_arena_battles_style_control_moves_the_decorated_model(tmp_path: Path) -> None:
    path = tmp_path / "battles.jsonl"
    battles().to_json(path, orient="records", lines=True)
    out = tmp_path / "winrate.csv"
    result = run(str(path), "--baseline", "gamma", "--resamples", "20", "--out", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads(out.with_suffix(".json").read_text())
    coefficients = {c["feature"]: c for c in document["style_control"]["coefficients"]}
    assert coefficients["headers"]["low"] > 0  # the judge's header bonus, found with its interval
    table = pd.read_csv(out).set_index("model")
    assert table.at["beta", "sc_rating"] < table.at["beta", "rating"]  # its headers won it points
    assert table.at["alpha", "sc_rank"] == 1
    reasons = [row["why"] for row in document["skipped"]["rows"]]
    assert len(reasons) == 2 and reasons[0].startswith("'winner' is 'oops'") and "names no model" in reasons[1]
    # the residual tree no longer needs headers to explain the outcomes; the ordinary tree does
    assert "headers" in document["trees"]["ordinary"]["text"].split("\n")[0]


def test_judge_files_over_pairs_with_generator_columns(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    rows, verdicts = [], ["index,preference,preference_orig_order,preference_swapped_order"]
    for i in range(40):
        first, second = ("m1", "m2") if i % 2 else ("m2", "m3")
        rows.append({"id": f"p{i}", "prompt": f"q{i}", "response_1": "x " * (10 + i), "response_2": "y " * 12,
                     "generator_1": first, "generator_2": second})
        orig, swapped = (-1, -1) if i % 4 == 1 else (1, -1) if i % 4 == 3 else (1, 1)
        verdicts.append(f"p{i},{orig if orig == swapped else 0},{orig},{swapped}")
    pairs.write_text("\n".join(json.dumps(r) for r in rows))
    judge = tmp_path / "judge.csv"
    judge.write_text("\n".join(verdicts) + "\n")
    out = tmp_path / "winrate.csv"
    result = run(str(judge), "--pairs", str(pairs), "--baseline", "m2", "--resamples", "0", "--out", str(out))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out).set_index("model")
    # m1 vs m2 (m1 is response_1): half won in both orders, half split by order (0.5 each)
    assert table.at["m1", "win_rate"] == pytest.approx(75.0)
    # m2 (response_1) vs m3: m3 won every pair in both orders
    assert table.at["m3", "win_rate"] == pytest.approx(100.0)
    missing = CliRunner().invoke(cli, ["winrate", str(judge), "--pairs", str(pairs), "--model-columns",
                                       "writer_1,writer_2", "--out", str(tmp_path / "x.csv")])
    assert missing.exit_code != 0 and "no column 'writer_1'" in missing.output


def test_outputs_that_would_hurt_are_refused(tmp_path: Path) -> None:
    alpacaeval_results(tmp_path)
    results = tmp_path / "results"
    inside = CliRunner().invoke(cli, ["winrate", str(results), "--out", str(results / "winrate.csv")])
    assert inside.exit_code != 0 and "inside the input folder" in inside.output
    notes = tmp_path / "notes.csv"
    notes.write_text("my notes\n")
    kept = CliRunner().invoke(cli, ["winrate", str(results), "--out", str(notes)])
    assert kept.exit_code != 0 and notes.read_text() == "my notes\n"
    (tmp_path / "notes.json").write_text("{}")
    json_kept = CliRunner().invoke(cli, ["winrate", str(results), "--out", str(tmp_path / "notes2.csv")])
    assert json_kept.exit_code == 0  # a different stem: fine
    clash = tmp_path / "w.csv"
    (tmp_path / "w.json").write_text("mine")
    refused = CliRunner().invoke(cli, ["winrate", str(results), "--out", str(clash)])
    assert refused.exit_code != 0 and (tmp_path / "w.json").read_text() == "mine" and not clash.exists()
    wrong = CliRunner().invoke(cli, ["winrate", str(results), "--out", str(tmp_path / "w.json")])
    assert wrong.exit_code != 0 and "--out is the CSV table" in wrong.output


def test_report_and_leaderboard_read_the_file(tmp_path: Path) -> None:
    written = alpacaeval_results(tmp_path)
    out = tmp_path / "winrate.csv"
    assert run(str(tmp_path / "results"), "--resamples", "5", "--quiet", "--out", str(out)).exit_code == 0
    published = tmp_path / "leaderboard.csv"
    published.write_text(",win_rate,standard_error,n_wins,n_wins_base,n_draws,n_total,discrete_win_rate,mode,"
                         "avg_length,length_controlled_winrate,lc_standard_error\n"
                         f"good,{expected_win_rate(written['good']) + 1.0},1.0,1,1,0,2,50,community,100,40.0,0.5\n")
    board = CliRunner().invoke(cli, ["leaderboard", "--results", str(out.with_suffix(".json")),
                                     "--published", str(published), "--format", "csv"])
    assert board.exit_code == 0, board.output
    frame = pd.read_csv(pd.io.common.StringIO(board.output))
    good = frame[(frame["model"] == "good") & frame["source"].str.startswith("local")].iloc[0]
    assert good["Δ win rate vs published"] == pytest.approx(-1.0, abs=1e-6)
    report = CliRunner().invoke(cli, ["report", str(out), "--out", str(tmp_path / "r.md")])
    assert report.exit_code == 0, report.output
    text = (tmp_path / "r.md").read_text()
    assert "## Win rates with and without style control" in text and "verbose" in text


def test_style_control_with_reward_model_attributes(tmp_path: Path, tiny_model, demo_pairs) -> None:
    """``--features model:PATH``: a judge that rewards one of a (tiny, random) reward model's five
    attributes gets that attribute's coefficient back with an interval above 0, and the model
    whose wins came from it loses its lead once the attribute is controlled."""
    from preftree.data.model import Pair, PairSet
    from preftree.features.sources import parse_feature_spec
    from preftree.winrate.bradley_terry import normalised_differences

    model = tiny_model("llama", 5)
    texts = [p.response_1 for p in demo_pairs] + [p.response_2 for p in demo_pairs]
    rng = np.random.default_rng(3)
    rows = [(str(m_a), str(m_b), texts[i], texts[j]) for m_a, m_b, i, j in
            ((*rng.choice(["lucky", "steady", "weak"], 2, replace=False), *rng.choice(len(texts), 2, replace=False))
             for _ in range(300))]
    pairs = PairSet([Pair(str(k), "q", a_text, b_text) for k, (_, _, a_text, b_text) in enumerate(rows)])
    first, second = parse_feature_spec(f"model:{model}").values(pairs)
    attribute = str(first.columns[0])
    z = normalised_differences(first, second)[attribute].to_numpy().copy()
    theta = {"lucky": 0.0, "steady": 0.3, "weak": -0.5}
    battles_rows = []
    for k, (a, b, a_text, b_text) in enumerate(rows):
        # "lucky" is handed the responses the attribute favours: its raw rating carries the bonus
        if a == "lucky" and z[k] < 0 or b == "lucky" and z[k] > 0:
            a_text, b_text, z[k] = b_text, a_text, -z[k]
        p = expit(theta[a] - theta[b] + 1.2 * z[k])
        a_won = bool(rng.random() < p)  # arena-human-preference-55k's layout: JSON lists, one-hot winner
        battles_rows.append({"id": 1000 + k, "model_a": a, "model_b": b, "prompt": json.dumps(["q"]),
                             "response_a": json.dumps([a_text]), "response_b": json.dumps([b_text]),
                             "winner_model_a": int(a_won), "winner_model_b": int(not a_won), "winner_tie": 0})
    path = tmp_path / "battles.csv"
    pd.DataFrame(battles_rows).to_csv(path, index=False)
    out = tmp_path / "winrate.csv"
    result = run(str(path), "--features", f"model:{model}", "--baseline", "weak", "--resamples", "30",
                 "--quiet", "--out", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads(out.with_suffix(".json").read_text())
    coefficients = {c["feature"]: c for c in document["style_control"]["coefficients"]}
    assert coefficients[attribute]["low"] > 0, coefficients
    table = pd.read_csv(out).set_index("model")
    assert table.at["lucky", "rank"] == 1 and table.at["steady", "sc_rank"] == 1
    assert table.at["lucky", "rank_shift"] < 0


def test_what_a_hostile_pass_found(tmp_path: Path) -> None:
    """Each case a hostile review reproduced: one AlpacaEval file names its own baseline; several
    annotators are refused; a row without a text is left out and listed, not silently dropping
    length control; readers never write over the file they read; hostile files are refused."""
    written = alpacaeval_results(tmp_path)
    one = tmp_path / "results" / "good" / "weighted_alpaca_eval_gpt4_turbo" / "annotations.json"
    single = run(str(one), "--resamples", "0", "--out", str(tmp_path / "one" / "w.csv"))
    assert single.exit_code == 0, single.output
    table = pd.read_csv(tmp_path / "one" / "w.csv").set_index("model")
    assert table.at["good", "win_rate"] == pytest.approx(expected_win_rate(written["good"]), abs=1e-4)
    assert "δ = 0" in single.output  # one model: no difficulties to estimate

    other = tmp_path / "results" / "good" / "alpaca_eval_gpt4_turbo_fn"
    other.mkdir()
    records = json.loads(one.read_text())
    for r in records:
        r["annotator"] = "alpaca_eval_gpt4_turbo_fn"
    (other / "annotations.json").write_text(json.dumps(records))
    mixed = CliRunner().invoke(cli, ["winrate", str(tmp_path / "results"), "--out", str(tmp_path / "m.csv")])
    assert mixed.exit_code == 2 and "2 annotators" in mixed.output
    (other / "annotations.json").unlink()

    records = json.loads(one.read_text())
    records[3]["output_2"] = None
    (tmp_path / "gap").mkdir()
    (tmp_path / "gap" / "annotations.json").write_text(json.dumps(records))
    gap = run(str(tmp_path / "gap"), "--resamples", "0", "--out", str(tmp_path / "g" / "w.csv"))
    assert gap.exit_code == 0, gap.output
    document = json.loads((tmp_path / "g" / "w.json").read_text())
    assert pd.read_csv(tmp_path / "g" / "w.csv").set_index("model").at["good", "lc_win_rate"] > 0
    assert any("response text is missing" in r["why"] and r["row"] == 4 for r in document["skipped"]["rows"])

    out = tmp_path / "g" / "w.csv"
    for command in (["leaderboard", "--results", str(out), "--out", str(out.with_suffix(".json"))],
                    ["report", str(out), "--out", str(out.with_suffix(".json"))]):
        before = out.with_suffix(".json").read_bytes()
        refused = CliRunner().invoke(cli, command)
        assert refused.exit_code != 0 and out.with_suffix(".json").read_bytes() == before, command

    assert CliRunner().invoke(cli, ["winrate", str(one), "--pooling", "1e12", "--out",
                                    str(tmp_path / "p.csv")]).exit_code == 2
    nowhere = tmp_path / "d.csv"
    nowhere.write_text("instruction,difficulty\nnot asked,1.0\n")
    covered = CliRunner().invoke(cli, ["winrate", str(one), "--difficulties", str(nowhere), "--out",
                                       str(tmp_path / "d" / "w.csv")])
    assert covered.exit_code == 2 and "names none of the" in covered.output

    document = json.loads((tmp_path / "g" / "w.json").read_text())
    def with_n(value: object) -> str:
        return json.dumps({**document, "models": [{**document["models"][0], "n": value}, *document["models"][1:]]})

    for name, text in {"nan.json": with_n(float("nan")), "huge.json": with_n(10 ** 400),
                       "deep.json": '{"kind": "preftree-winrate", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
                       "nobase.json": json.dumps({**document, "baseline": None})}.items():
        (tmp_path / name).write_text(text)
        for command in (["report", str(tmp_path / name), "--out", str(tmp_path / f"{name}.html")],
                        ["leaderboard", "--results", str(tmp_path / name)]):
            shown = CliRunner().invoke(cli, command)
            assert shown.exit_code != 0 and "preftree bug" not in shown.output, (name, command, shown.output)
            assert not (tmp_path / f"{name}.html").exists()


def test_scores_features_find_their_pairs_by_id(tmp_path: Path) -> None:
    """``--features scores:FILE`` over judge files: scores keyed by the pairs' own ids line up,
    even when rows before them were skipped."""
    pairs = tmp_path / "pairs.jsonl"
    rows, verdicts, scores = [], ["index,preference"], ["id,quality_1,quality_2"]
    rng = np.random.default_rng(0)
    for i in range(120):
        first, second = [("m1", "m2"), ("m2", "m3"), ("m1", "m3")][i % 3]
        q1, q2 = rng.normal(0, 1, 2)
        rows.append({"id": f"p{i}", "prompt": f"q{i}", "response_1": "x", "response_2": "y",
                     "generator_1": first if i else None, "generator_2": second})  # p0 is skipped
        verdicts.append(f"p{i},{-1 if q1 > q2 else 1}")
        scores.append(f"p{i},{q1 + 5},{q2 + 5}")
    pairs.write_text("\n".join(json.dumps(r) for r in rows))
    (tmp_path / "judge.csv").write_text("\n".join(verdicts) + "\n")
    (tmp_path / "scores.csv").write_text("\n".join(scores) + "\n")
    out = tmp_path / "w.csv"
    result = run(str(tmp_path / "judge.csv"), "--pairs", str(pairs), "--features", f"scores:{tmp_path / 'scores.csv'}",
                 "--baseline", "m2", "--resamples", "10", "--quiet", "--out", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads(out.with_suffix(".json").read_text())
    quality = next(c for c in document["style_control"]["coefficients"] if c["feature"] == "quality")
    # the judge follows the score exactly, which only aligned scores show: the verdicts are
    # separated by the score, so its coefficient is not identified (misaligned, it would be ~0)
    assert quality["coefficient"] is None and quality["low"] is None
    assert any(w["model"] == "(all: feature quality)" and "separated" in w["reason"] for w in document["warnings"])


def test_what_a_second_hostile_pass_found(tmp_path: Path) -> None:
    """Partners in other letter case, references from another experiment, models with no chain
    of battles to the baseline, conflicting copies, escape sequences in model names."""
    alpacaeval_results(tmp_path)
    results = tmp_path / "results"
    out = tmp_path / "o" / "W.CSV"
    assert run(str(results), "--resamples", "0", "--quiet", "--out", str(out)).exit_code == 0
    partner = tmp_path / "o" / "W.json"
    assert partner.is_file()
    for command in (["report", str(partner), "--out", str(out)],
                    ["leaderboard", "--results", str(partner), "--format", "csv", "--out", str(out)]):
        before = out.read_bytes()
        refused = CliRunner().invoke(cli, command)
        assert refused.exit_code != 0 and out.read_bytes() == before, command

    reference = json.loads(partner.read_text())
    for name, change, message in [("other-base", {"baseline": "someone-else"}, "against the baseline"),
                                  ("other-judge", {"judge": "another_annotator"}, "verdicts, these are"),
                                  ("huge-phi", {"length_control": {**reference["length_control"],
                                                                   "length_coefficient": 1e14}}, "length term")]:
        (tmp_path / f"{name}.json").write_text(json.dumps({**reference, **change}))
        refused = CliRunner().invoke(cli, ["winrate", str(results), "--difficulties", str(tmp_path / f"{name}.json"),
                                           "--out", str(tmp_path / name / "w.csv")])
        assert refused.exit_code == 2 and message in refused.output, (name, refused.output)

    flipped = tmp_path / "flipped"
    (flipped / "a").mkdir(parents=True)
    (flipped / "b").mkdir()
    records = json.loads((results / "good" / "weighted_alpaca_eval_gpt4_turbo" / "annotations.json").read_text())
    (flipped / "a" / "annotations.json").write_text(json.dumps(records))
    records[4]["preference"] = 2.0 if records[4]["preference"] != 2.0 else 1.0
    (flipped / "b" / "annotations.json").write_text(json.dumps(records))
    conflict = CliRunner().invoke(cli, ["winrate", str(flipped), "--out", str(tmp_path / "f.csv")])
    assert conflict.exit_code == 2 and "another preference" in conflict.output

    scores = CliRunner().invoke(cli, ["winrate", str(results), "--features", "scores:x.csv", "--out",
                                      str(tmp_path / "s.csv")])
    assert scores.exit_code == 2 and "orientation" in scores.output

    frame = battles(400)
    frame.loc[frame.index[:40], ["model_a", "model_b"]] = ["\x1b]0;pwned\x07island", "\x1b[31mcay"]
    path = tmp_path / "apart.jsonl"
    frame.to_json(path, orient="records", lines=True)
    apart = run(str(path), "--baseline", "gamma", "--resamples", "0", "--out", str(tmp_path / "a" / "w.csv"))
    assert apart.exit_code == 0, apart.output
    assert "\x1b" not in apart.output and "\x07" not in apart.output
    document = json.loads((tmp_path / "a" / "w.json").read_text())
    assert any("no chain of battles to the baseline" in note for note in document["notes"])
    island = next(row for row in document["models"] if row["model"].endswith("island"))
    assert island["rating"] is None and island["win_rate"] is None

    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    board = CliRunner().invoke(cli, ["leaderboard", "--results", str(partner), "--published", str(bad)])
    assert board.exit_code == 2 and "preftree bug" not in board.output


def test_error_lines_carry_no_control_characters(tmp_path: Path) -> None:
    alpacaeval_results(tmp_path)
    shown = CliRunner().invoke(cli, ["winrate", str(tmp_path / "results"), "--baseline", "\x1b]0;pwned\x07x",
                                     "--out", str(tmp_path / "w.csv")])
    assert shown.exit_code == 2 and "is in no comparison" in shown.output
    assert "\x1b" not in shown.output and "\x07" not in shown.output
