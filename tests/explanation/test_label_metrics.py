"""Agreement that reads right: beside the share of equal verdicts (a tie on one side counts as a
disagreement), agreement where both have a preference with its n, Cohen's κ, and for judges asked
in both orders the figures papers report, checked against LLMBar's own published statistics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from preftree import load_judges, load_pairs
from preftree.cli import cli
from preftree.explanation.agreement import cohen_kappa, label_agreement

from ..conftest import write_jsonl


def test_gpt4_vanilla_on_llmbar_natural_matches_the_published_statistics(shared_data: Path) -> None:
    """princeton-nlp/LLMBar publishes, for GPT-4 Vanilla on Natural, Acc. 95.5 (order-averaged
    accuracy), Agr. 95.0 (positional agreement) and 93 pairs right in both orders."""
    pairs = load_pairs(shared_data / "llmbar" / "pairs.jsonl")
    natural = pairs.subset([p.id for p in pairs if p.metadata["subset"] == "llmbar-natural"])
    [judge] = load_judges([shared_data / "llmbar" / "judges" / "GPT-4-Vanilla.csv"], pairs=pairs)
    figures = label_agreement(judge, natural.labels())
    assert figures["n"] == 100
    assert figures["order_averaged_accuracy"] == pytest.approx(0.955)
    assert figures["positional_agreement"] == pytest.approx(0.95)
    assert figures["both_orders_correct"] == pytest.approx(0.93)
    assert figures["agreement"] == pytest.approx(0.93)  # the old single figure: ties count wrong
    assert (figures["n_decided"], figures["agreement_decided"]) == (95, pytest.approx(93 / 95))
    assert figures["kappa"] == pytest.approx(0.8635, abs=1e-4)


def test_cohen_kappa_by_hand() -> None:
    # 10 items: observed 0.8; chance 0.5*0.6 + 0.5*0.4 = 0.5 -> kappa 0.6
    a = np.array([1, 1, 1, 1, 1, -1, -1, -1, -1, -1])
    b = np.array([1, 1, 1, 1, 1, 1, -1, -1, -1, 1])
    assert cohen_kappa(a, b) == pytest.approx((0.8 - 0.5) / 0.5)


def test_the_terminal_and_summary_say_what_each_agreement_counts(tmp_path: Path) -> None:
    rows, verdicts = [], []
    for i in range(60):
        label = [1, -1, 0][i % 3]  # a third of the labels are ties
        rows.append({"id": str(i), "prompt": "q", "response_1": "a" * (i % 7 + 1),
                     "response_2": "b" * (i % 5 + 1), "label": label})
        verdicts.append({"index": str(i), "preference": label if label else (1 if i % 2 else -1)})
    pairs = write_jsonl(tmp_path / "p.jsonl", rows)
    judge = write_jsonl(tmp_path / "j.jsonl", verdicts)
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(pairs), "--judge", str(judge),
                                      "--cv", "2", "--resamples", "2", "--out", str(tmp_path / "e")])
    assert result.exit_code == 0, result.output
    assert "agreement with label:" in result.output and "66.7% of 60 pairs" in result.output
    assert "where both have a preference:" in result.output and "100.0% of 40 pairs" in result.output
    summary = json.loads((tmp_path / "e" / "summary.json").read_text())
    assert summary["agreement_with_label"] == pytest.approx(40 / 60)
    assert (summary["agreement_decided"], summary["n_decided"]) == (1.0, 40)
    assert "kappa" in summary


def test_several_judges_print_every_tree_and_table_only_prints_the_table(tmp_path: Path) -> None:
    rows = [{"id": str(i), "prompt": "q", "response_1": "a" * (i % 9 + 1), "response_2": "bb" * (i % 4 + 1),
             "label": 1 if (i % 4 + 1) * 2 > i % 9 + 1 else -1} for i in range(60)]
    pairs = write_jsonl(tmp_path / "p.jsonl", rows)
    for name, flip in (("longer", 1), ("shorter", -1)):
        write_jsonl(tmp_path / "judges" / f"{name}.jsonl",
                    [{"index": r["id"], "preference": flip * r["label"]} for r in rows])
    args = ["explain", "--pairs", str(pairs), "--judge", str(tmp_path / "judges"), "--cv", "2",
            "--resamples", "2"]
    loud = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "a")])
    assert loud.exit_code == 0, loud.output
    assert loud.output.count("== longer:") == 1 and loud.output.count("== shorter:") == 1
    quiet = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "b"), "--table-only"])
    assert quiet.exit_code == 0 and "== longer" not in quiet.output and "2 judges on 60 pairs" in quiet.output
