"""`preftree annotate`: traits asked of an annotator in both orders over real HTTP (the offline
rule server), their values equal to the rules', journaled so a rerun asks nothing, and every way
an annotator can answer badly counted, never guessed."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.features.traits import DEFAULT_TRAITS, resolve_traits, rule_answer
from preftree.judges.local_server import LocalJudgeServer

from ..conftest import write_jsonl

SIGN = {"A": -1.0, "B": 1.0, "C": 0.0}  # the rule's answer in the original order


def _pairs(tmp_path: Path, n: int = 12) -> Path:
    rng = random.Random(1)
    rows = []
    for i in range(n):
        first = "word " * rng.randint(3, 20) + ("\n- item\n- item" if i % 2 else "") + ("?" if i % 3 == 0 else "")
        second = "Thanks! " + "word " * rng.randint(3, 20) + ("\n**bold**" if i % 4 == 0 else "")
        rows.append({"id": f"p{i}", "prompt": "q", "response_1": first, "response_2": second,
                     "label": 1 if len(second) > len(first) else -1})
    return write_jsonl(tmp_path / "pairs.jsonl", rows)


def _annotate(server: LocalJudgeServer, pairs: Path, out: Path, *extra: str) -> object:
    return CliRunner().invoke(cli, ["annotate", "--pairs", str(pairs), "--annotator-model", "rules",
                                    "--base-url", server.url, "--api-key-env", "none", "--out", str(out),
                                    "--quiet", *extra])


@pytest.mark.parametrize("per_request", [None, 7])
def test_trait_values_are_the_rules_and_a_rerun_asks_nothing(tmp_path: Path, per_request: int | None) -> None:
    pairs = _pairs(tmp_path)
    extra = [] if per_request is None else ["--traits-per-request", str(per_request)]
    with LocalJudgeServer(mode="traits") as server:
        result = _annotate(server, pairs, tmp_path / "t", *extra)
        assert result.exit_code == 0, result.output
        asked = server.log.requests
        chunks = math.ceil(len(DEFAULT_TRAITS) / (per_request or len(DEFAULT_TRAITS)))
        assert asked == 12 * 2 * chunks  # requests per pair = 2 × ⌈traits / K⌉
        again = _annotate(server, pairs, tmp_path / "t", *extra)
        assert again.exit_code == 0 and server.log.requests == asked  # the journal answers everything
    values = pd.read_parquet(tmp_path / "t" / "traits.parquet").set_index("id").drop(columns="pair_sha")
    rows = {r["id"]: r for r in map(json.loads, pairs.read_text().splitlines())}
    for trait in DEFAULT_TRAITS:
        expected = [SIGN[rule_answer(trait.description, rows[i]["response_1"], rows[i]["response_2"])]
                    for i in values.index]
        assert values[trait.slug].tolist() == expected, trait.slug
    assert values["concise"].abs().sum() > 0 and values["lists"].abs().sum() > 0  # the rules do decide
    summary = json.loads((tmp_path / "t" / "traits.json").read_text())
    assert summary["n_inconsistent"] == 0 and summary["n_unreadable"] == 0 and len(summary["traits"]) == 40


def test_a_position_biased_annotator_gives_inconsistent_zeros(tmp_path: Path) -> None:
    with LocalJudgeServer(mode="traits-first") as server:
        assert _annotate(server, _pairs(tmp_path, 4), tmp_path / "t").exit_code == 0
    values = pd.read_parquet(tmp_path / "t" / "traits.parquet").set_index("id").drop(columns="pair_sha")
    assert (values == 0).all().all()
    assert json.loads((tmp_path / "t" / "traits.json").read_text())["n_inconsistent"] == 4 * 40


@pytest.mark.parametrize("mode", ["traits-half", "first"])
def test_malformed_answers_are_asked_again_then_recorded_unreadable(tmp_path: Path, mode: str) -> None:
    with LocalJudgeServer(mode=mode) as server:
        result = _annotate(server, _pairs(tmp_path, 3), tmp_path / "t")
        assert result.exit_code == 1 and "no answer of 'rules' could be read" in result.output  # said, not hidden
        assert server.log.requests == 2 * 3 * 2  # every request once, and each malformed one once more
    values = pd.read_parquet(tmp_path / "t" / "traits.parquet").set_index("id").drop(columns="pair_sha")
    assert values.isna().all().all()  # never guessed
    summary = json.loads((tmp_path / "t" / "traits.json").read_text())
    assert summary["n_unreadable"] == 6 and summary["n_retried"] == 6


def test_trait_files_are_bounded(tmp_path: Path) -> None:
    many = tmp_path / "many.txt"
    many.write_text("\n".join(f"uses the word number {i}" for i in range(10_000)))
    with pytest.raises(Exception, match="at most"):
        resolve_traits(many)
    huge = tmp_path / "huge.txt"
    huge.write_text("is " + "very " * 250_000 + "long\n")
    with pytest.raises(Exception, match="larger than|longer than"):
        resolve_traits(huge)
    named = tmp_path / "named.yaml"
    named.write_text("traits:\n  - name: hedging\n    description: hedges more\n  - is more concise\n")
    assert [t.slug for t in resolve_traits(named)] == ["hedging", "is_more_concise"]


def test_traits_are_refused_on_other_texts_or_the_other_orientation(tmp_path: Path) -> None:
    """traits.parquet keeps each pair's hash: the same ids with the responses swapped (another
    --orientation-seed, an edited file) are refused, not read with flipped signs."""
    pairs = _pairs(tmp_path, 6)
    with LocalJudgeServer(mode="traits") as server:
        assert _annotate(server, pairs, tmp_path / "t").exit_code == 0
    rows = [json.loads(line) for line in pairs.read_text().splitlines()]
    swapped = write_jsonl(tmp_path / "swapped.jsonl", [{**r, "response_1": r["response_2"], "response_2": r["response_1"],
                                                        "label": -r["label"]} for r in rows])
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(swapped), "--features", f"traits:{tmp_path / 't'}",
                                      "--out", str(tmp_path / "e")])
    assert result.exit_code == 2 and "differ from the ones annotated" in result.output
    table = pd.read_parquet(tmp_path / "t" / "traits.parquet").drop(columns="pair_sha")
    table["concise"] = table["concise"].astype(object)
    table.loc[0, "concise"] = "response_2"
    table.to_csv(tmp_path / "text.csv", index=False)
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(pairs), "--features", f"traits:{tmp_path / 'text.csv'}",
                                      "--out", str(tmp_path / "e2")])
    assert result.exit_code == 2 and "expected -1" in result.output and "'p0'" in result.output


def test_an_unreadable_answer_left_by_an_interrupted_run_is_asked_again_once(tmp_path: Path) -> None:
    """The journal records which malformed answers were asked again: a run stopped before its
    retries leaves them to the next run, which asks each once; a finished run leaves nothing."""
    pairs = _pairs(tmp_path, 3)
    with LocalJudgeServer(mode="first") as server:
        assert _annotate(server, pairs, tmp_path / "t").exit_code == 1
        assert server.log.requests == 12
        assert _annotate(server, pairs, tmp_path / "t").exit_code == 1 and server.log.requests == 12  # nothing
        retried = tmp_path / ".t.annotate.jsonl.retried"
        assert retried.is_file()
        retried.unlink()  # as if killed after the first answers, before their retries
        assert _annotate(server, pairs, tmp_path / "t").exit_code == 1 and server.log.requests == 18


def test_a_probe_reads_beside_the_traits_it_edits(tmp_path: Path) -> None:
    """The Feedback Forensics user's path: traits as features of a judge's tree, and a probe that
    edits the same thing (length → the verbose and concise traits) shown beside their importance."""
    pairs = _pairs(tmp_path, 24)
    with LocalJudgeServer(mode="traits") as server:
        assert _annotate(server, pairs, tmp_path / "t").exit_code == 0
    with LocalJudgeServer(mode="longer") as judge:
        probed = CliRunner().invoke(cli, ["probe", "--pairs", str(pairs), "--judge-model", "longer", "--base-url",
                                          judge.url, "--api-key-env", "none", "--probe", "length",
                                          "--out", str(tmp_path / "probe"), "--quiet"])
        assert probed.exit_code == 0, probed.output
        judged = CliRunner().invoke(cli, ["judge", "--pairs", str(pairs), "--judge-model", "longer", "--base-url",
                                          judge.url, "--api-key-env", "none", "--out", str(tmp_path / "j.csv"),
                                          "--quiet"])
        assert judged.exit_code == 0, judged.output
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(pairs), "--judge", str(tmp_path / "j.csv"),
                                      "--features", f"traits:{tmp_path / 't'}", "--probe-dir", str(tmp_path / "probe"),
                                      "--cv", "2", "--resamples", "2", "--out", str(tmp_path / "e"), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "e" / "longer" / "summary.json").read_text()) \
        if (tmp_path / "e" / "longer").is_dir() else json.loads((tmp_path / "e" / "summary.json").read_text())
    effects = [r for r in summary["probes"] if r["probe"] == "length"]
    assert effects and any("trait_verbose_diff" in r["matched_features"] for r in effects)


def test_style_controlled_win_rates_over_traits(tmp_path: Path) -> None:
    """Arena battles annotated as they are (the arena layout), then their traits as the style
    covariates of winrate: the trait a length-loving judge rewards gets a coefficient above 0."""
    rng = random.Random(3)
    battles = []
    for i in range(80):
        short, long = "ok " * rng.randint(2, 6), "word " * rng.randint(12, 30)
        first_long = i % 2 == 0
        model_a, model_b = ("wordy", "base") if i % 4 < 2 else ("base", "wordy")
        text_a, text_b = (long, short) if first_long else (short, long)
        battles.append({"question_id": f"q{i}", "model_a": model_a, "model_b": model_b,
                        "winner": "model_a" if first_long == (rng.random() < 0.85) else "model_b",
                        "conversation_a": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": text_a}],
                        "conversation_b": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": text_b}]})
    path = write_jsonl(tmp_path / "battles.jsonl", battles)
    with LocalJudgeServer(mode="traits") as server:
        result = _annotate(server, path, tmp_path / "t", "--traits-per-request", "40")
        assert result.exit_code == 0, result.output
    out = tmp_path / "w.csv"
    result = CliRunner().invoke(cli, ["winrate", str(path), "--baseline", "base", "--features", f"traits:{tmp_path / 't'}",
                                      "--resamples", "20", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    control = json.loads(out.with_suffix(".json").read_text())["style_control"]
    rows = {c["feature"]: c for c in control["coefficients"]}
    assert set(rows) | set(control["dropped_as_near_copies"]) >= {"trait_concise", "trait_verbose"}
    kept = rows.get("trait_verbose") or rows["trait_concise"]
    assert kept["coefficient"] is not None and (kept["low"] > 0 or kept["high"] < 0)  # length, held as a trait
