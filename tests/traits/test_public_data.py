"""The whole traits path on real public data (LLMBar's Natural subset with a published judge):
annotated by the offline rule server, every value is the rule's, a rerun asks nothing, the
AnnotatedPairs file it writes reads back to the same traits, and traits.csv equals the formulas."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.data.annotated_pairs import read_annotated_pairs
from preftree.features.traits import DEFAULT_TRAITS, rule_answer
from preftree.judges.local_server import LocalJudgeServer

pytestmark = pytest.mark.shared_data
SIGN = {"A": -1.0, "B": 1.0, "C": 0.0}


def test_llmbar_natural_with_a_published_judge(shared_data: Path, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in (shared_data / "llmbar" / "pairs.jsonl").read_text().splitlines()]
    natural = [r for r in rows if r.get("subset") == "llmbar-natural"][:40]
    pairs = tmp_path / "natural.jsonl"
    pairs.write_text("\n".join(json.dumps(r) for r in natural) + "\n")
    with LocalJudgeServer(mode="traits") as server:
        args = ["annotate", "--pairs", str(pairs), "--annotator-model", "rules", "--base-url", server.url,
                "--api-key-env", "none", "--traits-per-request", "10", "--out", str(tmp_path / "t"), "--quiet"]
        assert CliRunner().invoke(cli, args).exit_code == 0
        assert server.log.requests == len(natural) * 2 * 4  # 2 × ⌈40 / 10⌉ per pair
        assert CliRunner().invoke(cli, args).exit_code == 0 and server.log.requests == len(natural) * 8
    values = pd.read_parquet(tmp_path / "t" / "traits.parquet").set_index("id").drop(columns="pair_sha")
    by_id = {r["id"]: r for r in natural}
    for trait in DEFAULT_TRAITS:
        assert values[trait.slug].tolist() == [
            SIGN[rule_answer(trait.description, by_id[i]["response_1"], by_id[i]["response_2"])] for i in values.index]
    back = read_annotated_pairs(tmp_path / "t" / "annotated_pairs.json")  # annotate's own output round-trips
    assert back.traits.set_axis(values.columns, axis=1).loc[values.index].equals(values)
    judge = shared_data / "llmbar" / "judges" / "GPT-4-Vanilla.csv"
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(pairs), "--judge", str(judge), "--features",
                                      f"traits:{tmp_path / 't'}", "--features", "style", "--cv", "2",
                                      "--resamples", "2", "--out", str(tmp_path / "e"), "--quiet"])
    assert result.exit_code == 0, result.output
    metrics = pd.read_csv(tmp_path / "e" / "traits.csv")
    verdicts = pd.read_csv(judge, dtype={"index": str})
    for trait in ("verbose", "lists", "follow_up_question"):
        row = metrics[(metrics["trait"] == trait) & (metrics["judge"] != "label")].iloc[0]
        judged = {str(r["index"]): int(r["preference"]) for r in verdicts.to_dict("records")
                  if str(r["index"]) in values.index and r["preference"] in (-1, 1)}
        agree = sum(values.at[i, trait] == v for i, v in judged.items())
        disagree = sum(values.at[i, trait] == -v for i, v in judged.items())
        assert (row["agree"], row["disagree"], row["n"]) == (agree, disagree, len(judged))
        assert row["strength"] == pytest.approx((agree - disagree) / len(judged))
