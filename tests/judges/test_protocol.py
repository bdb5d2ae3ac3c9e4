"""One protocol for every judge: a new judge kind is one class, and RewardBench, probes and the
Python API run it unchanged (the worked example of CONTRIBUTING.md, and an ensemble)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import preftree
from preftree.data.model import Pair, PairSet
from preftree.judges.ensemble import EnsembleJudge
from preftree.judges.llm import LLMJudge
from preftree.judges.protocol import Judge, Rater, Verdict
from preftree.judges.reward import RewardModelJudge

from ..conftest import write_jsonl


class ShorterJudge:
    """CONTRIBUTING.md's worked example: prefers the shorter response."""

    name, kind, shift_unit, sees_positions = "shorter", "rule", "characters", False

    def describe(self) -> dict[str, Any]:
        return {"model": self.name}

    def verdicts(self, pairs: PairSet, stage: str) -> list[Verdict]:
        margins = [len(p.response_1) - len(p.response_2) for p in pairs]
        return [Verdict((m > 0) - (m < 0), float(m)) for m in margins]


class LongerJudge(ShorterJudge):
    name = "longer"

    def verdicts(self, pairs: PairSet, stage: str) -> list[Verdict]:
        return [Verdict(-v.preference if v.preference is not None else None, v.score)
                for v in super().verdicts(pairs, stage)]


def _pairs() -> PairSet:
    return PairSet([Pair("a", "q", "short", "a longer answer"), Pair("b", "q", "a longer answer", "short"),
                    Pair("c", "q", "same", "same")])


def test_a_judge_kind_is_one_class_that_follows_the_protocol() -> None:
    judge = ShorterJudge()
    assert isinstance(judge, Judge) and not isinstance(judge, Rater)
    assert [v.preference for v in judge.verdicts(_pairs(), "pairs")] == [-1, 1, 0]


def test_an_ensemble_takes_the_majority_and_says_no_verdict_when_none_decided() -> None:
    class Silent(ShorterJudge):
        name = "silent"

        def verdicts(self, pairs: PairSet, stage: str) -> list[Verdict]:
            return [Verdict(None, None) for _ in pairs]

    pairs = _pairs()
    two_to_one = EnsembleJudge([ShorterJudge(), ShorterJudge(), LongerJudge()], name="vote")
    assert [v.preference for v in two_to_one.verdicts(pairs, "pairs")] == [-1, 1, 0]
    assert two_to_one.verdicts(pairs, "pairs")[0].score == pytest.approx(-1 / 6)
    split = EnsembleJudge([ShorterJudge(), LongerJudge()])
    assert [v.preference for v in split.verdicts(pairs, "pairs")] == [0, 0, 0]
    nobody = EnsembleJudge([Silent(), Silent()])
    assert [v.preference for v in nobody.verdicts(pairs, "pairs")] == [None, None, None]
    with pytest.raises(preftree.InputError, match="at least two"):
        EnsembleJudge([ShorterJudge()])


def test_rewardbench_and_probes_run_any_judge(tmp_path: Path) -> None:
    """A rule judge goes through RewardBench (a chosen response that is shorter wins) and
    through the probes (the length probe flips it) with no code of theirs knowing it."""
    rows = [{"id": f"{i}", "subset": "alpacaeval-easy", "prompt": f"q{i}",
             "chosen": "ok" if i % 2 else "a much longer chosen answer", "rejected": "a long rejected answer"}
            for i in range(6)]
    data = write_jsonl(tmp_path / "rb.jsonl", rows)
    result = preftree.rewardbench(ShorterJudge(), data=data, resamples=0)
    assert result["alpacaeval-easy"] == pytest.approx(0.5)  # the three short chosen answers win
    assert result["model_type"] == "rule" and not (tmp_path / "rb.json").exists()  # nothing written
    written = preftree.rewardbench(ShorterJudge(), data=data, resamples=0, out=tmp_path / "r.json")
    assert written["score"] == result["score"] and (tmp_path / "r.json").is_file()

    pairs = PairSet([Pair(f"p{i}", "q", "word " * (3 + i), "word " * 4) for i in range(4)], source="mem")
    results = preftree.probe(pairs, ShorterJudge(), ["length"])
    record = next(r for r in results[0].records if r["probe"] == "length" and r["target"] == "loser")
    assert record["flip_rate"] == 0.0  # making the longer one longer never makes it win
    with pytest.raises(preftree.InputError, match="unknown probe"):
        preftree.probe(pairs, ShorterJudge(), ["no-such-probe"])


def test_built_in_judges_follow_the_protocol(tiny_model: Any) -> None:
    from preftree.judges.build import llm_judge, reward_model_judge
    from preftree.judges.local_server import LocalJudgeServer

    rater = reward_model_judge(tiny_model())
    assert isinstance(rater, RewardModelJudge) and isinstance(rater, Rater)
    ranked = rater.rank(["q"], [["a", "bb", "ccc"]])
    assert len(ranked) == 1 and ranked[0].shape == (3,) and np.isfinite(ranked[0]).all()
    with LocalJudgeServer() as server:
        from preftree.judges.settings import JudgeSettings

        judge = llm_judge("m", settings=JudgeSettings(base_url=server.url, api_key_env="none"))
        assert isinstance(judge, LLMJudge) and isinstance(judge, Judge) and judge.sees_positions
        with pytest.raises(preftree.InputError, match="give out="):
            preftree.judge(_pairs(), judge)


def test_win_rates_of_any_judge_asked_now() -> None:
    """preftree.winrate with a judge object (no judge files): a model whose answers are always
    shorter than the baseline's wins every comparison under a shorter-is-better judge."""
    pairs = PairSet([Pair(f"p{i}", f"question {i}", "word " * (2 + i % 3), "word " * (9 + i % 4),
                          metadata={"generator_1": "terse", "generator_2": "base"}) for i in range(24)]
                    + [Pair(f"q{i}", f"question {i}", "word " * (14 + i % 3), "word " * (9 + i % 4),
                            metadata={"generator_1": "wordy", "generator_2": "base"}) for i in range(24)],
                    source="mem")
    run = preftree.winrate([], pairs=pairs, judge=ShorterJudge(), baseline="base", resamples=0)
    table = run.result.table.set_index("model")
    assert table.loc["terse", "win_rate"] == pytest.approx(100.0)
    assert table.loc["wordy", "win_rate"] == pytest.approx(0.0)
    assert run.written == [] and run.comparisons.frame["outcome"].isin([0.0, 1.0]).all()
    with pytest.raises(preftree.InputError, match="needs the pairs"):
        preftree.winrate([], judge=ShorterJudge())


def test_the_old_judge_names_work_for_one_release_with_a_warning(tiny_model: Any) -> None:
    """preftree.probes' and preftree.rewardbench's judge classes moved to preftree.judges; their old
    names still build the same judges, each import saying where they went."""
    import importlib
    import sys

    for module in ("preftree.probes.judges", "preftree.rewardbench.judges"):
        sys.modules.pop(module, None)
        with pytest.warns(DeprecationWarning, match="deprecated"):
            importlib.import_module(module)
    from preftree.probes.judges import LLMProbeJudge, ModelProbeJudge
    from preftree.rewardbench.judges import ScalarJudge
    from preftree.scoring import load_scorer

    assert LLMProbeJudge is LLMJudge
    judge = ModelProbeJudge(ScalarJudge(load_scorer(tiny_model(), progress=False, cache=None)), "old")
    assert judge.name == "old" and isinstance(judge, Rater)
    assert [v.preference for v in judge.verdicts(_pairs(), "base")][2] == 0  # the same text twice: a tie
