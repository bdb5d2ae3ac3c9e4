"""The helpsteer2-llm-judges preset through datasets.load_dataset, on local folders in the Hub layout.

No network: the same loading code runs against folders laid out like the Hub repositories
(``nvidia/HelpSteer2`` with ``preference/``, ``RLHFlow/LLM-Preferences-HelpSteer2``), with records
in their schemas.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("datasets", reason="Hub presets need preftree[hf] (datasets)")

from preftree.cli import cli
from preftree.data.hub import load_preset
from preftree.errors import InputError

from ..conftest import write_jsonl

ATTRS = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")


def _hub(root: Path) -> None:
    ratings, preference, judged = [], [], []
    for i in range(24):
        split = "train" if i < 16 else "val"
        prompt = f"prompt {i}"
        r1, r2 = f"first answer {i}", f"second answer {i}" + " more" * (i % 4)
        h1, h2 = i % 5, (i * 3) % 5
        for response, h in ((r1, h1), (r2, h2)):
            ratings.append({"prompt": prompt, "response": response, "helpfulness": h,
                            "correctness": h, "coherence": 3, "complexity": 1, "verbosity": i % 3})
        strength = max(-3, min(3, h2 - h1))
        preference.append({"split": split, "prompt": prompt, "response_1": r1, "response_2": r2,
                           "preference_strength": strength, "preference_statement": "",
                           "preference_elaboration": ""})
        judged.append({"dataset": "helpsteer2", "split": split, "id": f"{split}-{i}",
                       "prompt": prompt, "response_A": r1, "response_B": r2,
                       "GPT-4o": (h2 > h1) - (h2 < h1), "Llama-3.1-8B": 1 if i % 4 else -1})
    ratings.append({"prompt": "orphan", "response": "x", **{a: 1 for a in ATTRS}})
    write_jsonl(root / "nvidia/HelpSteer2/train.jsonl", ratings[:36])
    write_jsonl(root / "nvidia/HelpSteer2/validation.jsonl", ratings[36:])
    write_jsonl(root / "nvidia/HelpSteer2/preference/preference.jsonl", preference)
    write_jsonl(root / "RLHFlow/LLM-Preferences-HelpSteer2/train.jsonl", judged[:16])
    write_jsonl(root / "RLHFlow/LLM-Preferences-HelpSteer2/validation.jsonl", judged[16:])


def test_preset_joins_ratings_labels_and_judges(tmp_path: Path) -> None:
    _hub(tmp_path)
    pairs, judges = load_preset("helpsteer2-llm-judges", split="all", hub_root=tmp_path)
    assert len(pairs) == 24 and pairs.label_name == "human"
    assert pairs.ids[16] == "val-0"  # row number within the preference split, as RLHFlow indexes
    pair = pairs["train-3"]
    assert pair.metadata["helpfulness_1"] == 3 and pair.metadata["helpfulness_2"] == 4
    assert pair.label == 1
    assert [j.judge for j in judges] == ["GPT-4o", "Llama-3.1-8B"] and len(judges[0]) == 24
    validation, _ = load_preset("helpsteer2-llm-judges", split="validation", hub_root=tmp_path)
    assert len(validation) == 8
    with pytest.raises(InputError, match="unknown preset"):
        load_preset("nope")


def test_explain_with_preset_from_the_cli(tmp_path: Path) -> None:
    from click.testing import CliRunner

    _hub(tmp_path / "hub")
    result = CliRunner().invoke(cli, ["explain", "--preset", "helpsteer2-llm-judges",
                                      "--preset-split", "all", "--hub-root", str(tmp_path / "hub"),
                                      "--resamples", "5", "--cv", "2", "--out", str(tmp_path / "out"),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert [j["judge"] for j in summary["judges"]] == ["GPT-4o", "Llama-3.1-8B"]
    assert summary["features"][0] == "helpfulness_diff" and summary["label"] == "human"
