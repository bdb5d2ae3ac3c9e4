"""``preftree probe`` recovers the causal rule of judges whose rule is known (served over real
HTTP by :mod:`preftree.judges.local_server`), and a reward model's shifts equal rescoring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.judges.local_server import LocalJudgeServer

TOPICS = ["tea", "rain", "bread", "stars", "chess", "bees", "salt", "glass", "rivers", "maps"]


def probe_pairs(folder: Path, n: int = 20) -> Path:
    """Pairs whose longer response (by far) is also the one with a bold span, alternating sides."""
    rows = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        short = f"{topic.title()} matters in daily life. People use {topic} often. It has a long history."
        long = (f"{topic.title()} is a common subject with **many** uses. Experts have studied {topic} "
                f"for centuries. The basics of {topic} are easy to learn. Its details reward careful "
                f"study. Most people meet {topic} every week. Learning about {topic} pays off ({i}).")
        first, second = (short, long) if i % 2 else (long, short)
        rows.append({"id": f"p{i}", "prompt": f"Tell me about {topic} ({i}).", "response_1": first,
                     "response_2": second})
    path = folder / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def run_probe(pairs: Path, out: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["probe", "--pairs", str(pairs), "--out", str(out), "--quiet", *args],
                                env={"PREFTREE_TEST_KEY": "k"})
    return result


def records(out: Path) -> dict[tuple[str, str], dict[str, Any]]:
    document = json.loads((out / "probe.json").read_text())
    return {(r["probe"], r["target"]): r for r in document["records"]}


@pytest.mark.parametrize("mode, template, matching", [
    ("longer", "preftree", "length"),
    ("markdown", "mt-bench", "markdown"),
])
def test_the_matching_probe_flips_and_the_others_do_not(tmp_path: Path, mode: str, template: str,
                                                        matching: str) -> None:
    pairs = probe_pairs(tmp_path)
    with LocalJudgeServer(mode=mode) as server:
        result = run_probe(pairs, tmp_path / "out", "--judge-model", mode, "--base-url", server.url,
                           "--api-key-env", "PREFTREE_TEST_KEY", "--judge-template", template)
        assert result.exit_code == 0, result.output
        asked = server.log.requests
        again = run_probe(pairs, tmp_path / "out", "--judge-model", mode, "--base-url", server.url,
                          "--api-key-env", "PREFTREE_TEST_KEY", "--judge-template", template)
        assert again.exit_code == 0, again.output
        assert server.log.requests == asked  # a rerun asks nothing twice
    found = records(tmp_path / "out")
    assert found[(matching, "loser")]["n"] == 20 and found[(matching, "loser")]["flip_rate"] >= 0.9
    assert found[(matching, "loser")]["flip_rate_ci"][0] > 0.8
    assert found[(matching, "loser")]["mean_shift"] > 0.4  # P(target preferred) rose
    for (probe, target), record in found.items():
        if target == "pair":
            continue
        assert record["null_flip_rate"] == 0.0 and record["null_n"] == 20
        if (probe, target) != (matching, "loser") and record["flip_rate"] is None:
            # an edit with nothing to change (plain on texts without markdown) counts no pair
            assert record["n"] == 0 and record["n_unchanged"] == 20 and "changes none" in record["note"]
        elif (probe, target) != (matching, "loser"):
            assert record["flip_rate"] <= 0.1, (probe, target, record)
    assert found[("order", "pair")]["flip_rate"] == 0.0
    assert found[("order", "pair")]["positional_consistency"] == 1.0


def test_a_first_position_judge(tmp_path: Path) -> None:
    """It decides no pair: the text probes have n = 0 and a note; order and same show the rule."""
    pairs = probe_pairs(tmp_path, 8)
    with LocalJudgeServer(mode="first") as server:
        result = run_probe(pairs, tmp_path / "out", "--judge-model", "first", "--base-url", server.url,
                           "--api-key-env", "PREFTREE_TEST_KEY")
    assert result.exit_code == 0, result.output
    found = records(tmp_path / "out")
    assert found[("length", "loser")]["n"] == 0 and "decided none" in found[("length", "loser")]["note"]
    assert found[("order", "pair")]["flip_rate"] == 1.0
    assert found[("order", "pair")]["first_position_share"] == 1.0
    assert found[("same", "pair")]["flip_rate"] == 1.0 and found[("same", "pair")]["n"] == 8
    assert (tmp_path / "out" / "judge_files" / "first.base.csv").exists()


def test_a_judge_whose_answers_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    """Every answer unparsable (the judge answers "A is better", the prompt expects [[A]]): exit 1
    naming the judge and the options to check, not a probe.json of zeros with exit 0."""
    pairs = probe_pairs(tmp_path, 4)
    with LocalJudgeServer(mode="longer") as server:
        result = run_probe(pairs, tmp_path / "out", "--judge-model", "m", "--base-url", server.url,
                           "--api-key-env", "PREFTREE_TEST_KEY", "--probe", "length", "--judge-template", "mt-bench")
    assert result.exit_code == 1 and "no verdict could be read from any answer of m" in result.output


def test_outputs_are_in_the_pairs_layout(tmp_path: Path) -> None:
    from preftree import load_pairs

    pairs = probe_pairs(tmp_path, 4)
    with LocalJudgeServer() as server:
        result = run_probe(pairs, tmp_path / "out", "--judge-model", "m", "--base-url", server.url,
                           "--api-key-env", "PREFTREE_TEST_KEY", "--probe", "length", "--probe", "same")
    assert result.exit_code == 0, result.output
    edited = load_pairs(tmp_path / "out" / "edited_pairs.jsonl", use_labels=False)
    kinds = {(p.metadata["probe"], p.metadata["target"]) for p in edited}
    assert kinds == {("length", "loser"), ("length", "winner"), ("null-edit", "loser"), ("null-edit", "winner"),
                     ("same", "pair")}
    for pair in edited:
        if pair.metadata["probe"] == "length":
            source = pair.metadata["source_id"]
            edited_side = pair.metadata["edited"]
            assert getattr(pair, edited_side).startswith(
                json.loads((pairs.read_text().splitlines())[int(source[1:])])[edited_side])
    verdicts = pd.read_csv(tmp_path / "out" / "verdicts.csv")
    assert set(verdicts["probe"]) == {"none", "length", "null-edit", "same"}


def test_bad_invocations(tmp_path: Path) -> None:
    pairs = probe_pairs(tmp_path, 2)
    no_judge = run_probe(pairs, tmp_path / "out")
    assert no_judge.exit_code == 2 and "give a judge" in no_judge.output
    unknown = run_probe(pairs, tmp_path / "out", "--judge-model", "m", "--probe", "louder")
    assert unknown.exit_code == 2 and "unknown probe 'louder'" in unknown.output and "sycophancy" in unknown.output
    assert not (tmp_path / "out").exists()


def test_a_reward_models_shift_equals_rescoring(tmp_path: Path, tiny_model) -> None:  # type: ignore[no-untyped-def]
    """The mean shift in probe.json is what `preftree score` gives on the written edited pairs."""
    model = tiny_model("llama", 1)
    pairs = probe_pairs(tmp_path, 6)
    result = run_probe(pairs, tmp_path / "out", "--model", str(model), "--no-cache",
                       "--probe", "length", "--probe", "authority", "--probe", "order")
    assert result.exit_code == 0, result.output
    found = records(tmp_path / "out")
    assert found[("order", "pair")]["flip_rate"] == 0.0 and found[("order", "pair")]["n"] == 6
    runner = CliRunner()
    for name, source in (("orig.csv", pairs), ("edited.csv", tmp_path / "out" / "edited_pairs.jsonl")):
        scored = runner.invoke(cli, ["score", "--model", str(model), "--pairs", str(source), "--no-cache",
                                     "--quiet", "--out", str(tmp_path / name)])
        assert scored.exit_code == 0, scored.output
    original = pd.read_csv(tmp_path / "orig.csv").set_index("id")
    margin = (original["score_2"] - original["score_1"]) if "score_2" in original else \
        original.filter(like="_2").iloc[:, 0] - original.filter(like="_1").iloc[:, 0]
    edited = pd.read_csv(tmp_path / "edited.csv").set_index("id")
    rows = [json.loads(line) for line in (tmp_path / "out" / "edited_pairs.jsonl").read_text().splitlines()]
    after = edited.filter(like="_2").iloc[:, 0] - edited.filter(like="_1").iloc[:, 0]
    for probe in ("length", "authority", "null-edit"):
        for target in ("loser", "winner"):
            shifts = []
            for row in rows:
                if row["probe"] == probe and row["target"] == target:
                    side = 1 if row["edited"] == "response_2" else -1
                    shifts.append(side * (after[row["id"]] - margin[row["source_id"]]))
            expected = sum(shifts) / len(shifts)
            key = (probe, target) if probe != "null-edit" else ("length", target)
            field = "mean_shift" if probe != "null-edit" else "null_mean_shift"
            assert found[key][field] == pytest.approx(expected, abs=1e-5)


def test_hostile_cases_found_by_review(tmp_path: Path) -> None:
    """A judge that decides nothing with only text probes; ids that collide through ':'; a
    journal planted as a symlink to a user's file; names repeated across probe files."""
    pairs = probe_pairs(tmp_path, 4)
    with LocalJudgeServer(mode="first") as server:
        result = run_probe(pairs, tmp_path / "first", "--judge-model", "first", "--base-url", server.url,
                           "--api-key-env", "PREFTREE_TEST_KEY", "--probe", "length")
        assert result.exit_code == 0, result.output
        assert records(tmp_path / "first")[("length", "loser")]["n"] == 0
        thesis = tmp_path / "thesis.txt"
        thesis.write_text("line one\nline two, no newline")
        (tmp_path / ".planted.journals").mkdir()
        (tmp_path / ".planted.journals" / "m.jsonl").symlink_to(thesis)
        planted = run_probe(pairs, tmp_path / "planted", "--judge-model", "m", "--base-url", server.url,
                            "--api-key-env", "PREFTREE_TEST_KEY", "--probe", "length")
        assert planted.exit_code == 2 and "journal must be a regular file" in planted.output
        assert thesis.read_text() == "line one\nline two, no newline"
    from preftree.errors import InputError
    from preftree.judges.protocol import Verdict
    from preftree.probes import design_edits, resolve_probes
    from preftree.probes.run import _unique_ids

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"probes": [{"name": "h", "suffix": "!"}]}))
    b.write_text(json.dumps({"probes": [{"name": "h", "suffix": "?"}]}))
    with pytest.raises(InputError, match="repeat across the probe files"):
        resolve_probes([], [a, b])
    a.write_text(json.dumps({"probes": [{"name": "a:b", "suffix": "!"}]}))
    with pytest.raises(InputError, match="short identifier"):
        resolve_probes([], [a])
    from preftree.data.model import Pair

    probes, _ = resolve_probes(["length", "authority"])
    twins = [Pair("p", "q", "x", "yy"), Pair("p:length", "q", "x", "yy")]
    edits = _unique_ids(design_edits(twins, [Verdict(1, 0.5)] * 2, probes, []))
    assert len({e.pair.id for e in edits}) == len(edits)
