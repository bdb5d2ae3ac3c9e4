"""Judge objects in the Python API, reused and combined as people do: each call keeps its files
where that call says, ensembles of LLM judges are scored and probed, no call writes over its
input, and judges that give only a verdict (no score, or none at all) are read right."""

from __future__ import annotations

from pathlib import Path

import pytest

import preftree
from preftree.data.model import Pair, PairSet
from preftree.judges.build import judge_prompt, llm_judge
from preftree.judges.ensemble import EnsembleJudge
from preftree.judges.local_server import LocalJudgeServer
from preftree.judges.protocol import Verdict
from preftree.judges.settings import JudgeSettings

from ..conftest import write_jsonl


def _bench(tmp_path: Path, n: int, name: str = "rb.jsonl") -> Path:
    rows = [{"id": f"{i}", "subset": "alpacaeval-easy", "prompt": f"q{i}",
             "chosen": "a longer chosen answer" if i % 3 else "ok", "rejected": "short one"} for i in range(n)]
    return write_jsonl(tmp_path / name, rows)


def _pairs(n: int = 4) -> PairSet:
    return PairSet([Pair(f"p{i}", "q", "word " * (2 + i), "word " * 4) for i in range(n)], source="mem")


class VerdictOnly:
    """A judge that gives a verdict and no score (the protocol allows it), or none at all."""

    kind, shift_unit, sees_positions = "rule", "votes", False

    def __init__(self, name: str = "verdict-only", silent: bool = False) -> None:
        self.name, self.silent = name, silent

    def describe(self) -> dict[str, str]:
        return {"model": self.name}

    def verdicts(self, pairs: PairSet, stage: str) -> list[Verdict]:
        return [Verdict(None, None) if self.silent and int(p.id[-1]) % 2 else
                Verdict(-1 if len(p.response_1) > len(p.response_2) else 1, None) for p in pairs]


def test_a_reused_llm_judge_writes_each_calls_files_where_that_call_says(tmp_path: Path) -> None:
    data, small = _bench(tmp_path, 9), _bench(tmp_path, 3, "small.jsonl")
    with LocalJudgeServer(mode="longer-brackets") as server:
        judge = llm_judge("longer", settings=JudgeSettings(base_url=server.url, api_key_env="none"),
                          prompt=judge_prompt("mt-bench"), progress=False)
        first = preftree.rewardbench(judge, data=data, resamples=0, out=tmp_path / "a.json")
        second = preftree.rewardbench(judge, data=small, resamples=0, out=tmp_path / "b.json")
        assert first["scoring"]["judgments"].endswith("a.judgments.csv")
        assert second["scoring"]["judgments"].endswith("b.judgments.csv")
        assert len((tmp_path / "a.judgments.csv").read_text().splitlines()) == 10  # untouched by b
        assert len((tmp_path / "b.judgments.csv").read_text().splitlines()) == 4
        preftree.probe(_pairs(), judge, ["length"], out=tmp_path / "po")
        files = sorted(p.name for p in (tmp_path / "po" / "judge_files").iterdir())
        assert "longer.base.csv" in files and all(f.startswith("longer.") for f in files)
        assert judge.folder is None and judge.journal is None and not judge.has_judge_file
        with pytest.raises(preftree.InputError, match="give out="):
            preftree.probe(_pairs(), judge, ["length"])  # no stray folder from the last call


def test_an_ensemble_of_llm_judges_is_scored_by_its_votes_and_stops_on_api_errors(tmp_path: Path) -> None:
    data = _bench(tmp_path, 9)
    with LocalJudgeServer(mode="longer-brackets") as server:
        settings = JudgeSettings(base_url=server.url, api_key_env="none")
        members = [llm_judge("longer", settings=settings, prompt=judge_prompt("mt-bench"), progress=False),
                   llm_judge("longer-too", settings=settings, prompt=judge_prompt("mt-bench"), progress=False)]
        alone = preftree.rewardbench(members[0], data=data, resamples=0, out=tmp_path / "one.json")
        both = preftree.rewardbench(EnsembleJudge(members, name="pair"), data=data, resamples=0,
                                    out=tmp_path / "e.json")
        assert alone["n_no_verdict"] == 0 and alone["alpacaeval-easy"] == pytest.approx(6 / 9)
        assert both["alpacaeval-easy"] == pytest.approx(6 / 9)  # two members who agree: their votes
        assert both["model"] == "pair" and both["model_type"] == "Ensemble"
        assert (tmp_path / "e.longer.judgments.csv").is_file() and (tmp_path / "e.longer-too.judgments.csv").is_file()
        order = preftree.probe(_pairs(), EnsembleJudge(members), ["order"], out=tmp_path / "eo")
        record = next(r for r in order[0].records if r["probe"] == "order")
        assert record["n"] > 0  # the members' own orders make the ensemble's
        twins = EnsembleJudge([llm_judge("longer", settings=settings), llm_judge("longer", settings=settings)])
        with pytest.raises(preftree.InputError, match="named alike"):
            preftree.probe(_pairs(), twins, ["length"], out=tmp_path / "tw")
    with LocalJudgeServer(faults=__import__("preftree.judges.local_server", fromlist=["Faults"]).Faults(
            status=500, times=1000)) as broken:
        dead = JudgeSettings(base_url=broken.url, api_key_env="none", max_retries=0)
        ensemble = EnsembleJudge([llm_judge("a", settings=dead, progress=False),
                                  llm_judge("b", settings=dead, progress=False)])
        with pytest.raises(preftree.PreftreeError, match="API errors"):
            preftree.rewardbench(ensemble, data=data, resamples=0, out=tmp_path / "dead.json")
    assert not (tmp_path / "dead.json").exists()


def test_judge_never_writes_over_its_pairs_even_when_preftree_wrote_them(tmp_path: Path) -> None:
    pairs_file = write_jsonl(tmp_path / "pairs.jsonl", [{"id": "a", "prompt": "q", "response_1": "x",
                                                        "response_2": "yy"}])
    pairs = preftree.load_pairs(pairs_file)
    with LocalJudgeServer() as server:
        judge = llm_judge("m", settings=JudgeSettings(base_url=server.url, api_key_env="none"), progress=False)
        with pytest.raises(preftree.InputError, match="input"):
            preftree.judge(pairs, judge, out=pairs_file)
    assert "response_1" in pairs_file.read_text()


def test_verdicts_without_scores_count_and_files_without_verdicts_read_back(tmp_path: Path) -> None:
    result = preftree.rewardbench(VerdictOnly(), data=_bench(tmp_path, 9), resamples=0)
    assert result["alpacaeval-easy"] == pytest.approx(6 / 9)  # the longer answer wins: the chosen 6 of 9
    pairs = _pairs()
    summary = preftree.judge(pairs, EnsembleJudge([VerdictOnly("a", silent=True), VerdictOnly("b", silent=True)]),
                             out=tmp_path / "silent.csv")
    assert summary.n_decided == 2
    (silent,) = preftree.load_judges([tmp_path / "silent.csv"], pairs=pairs)
    assert sorted(j.pair_id for j in silent) == ["p0", "p2"]  # rows without a verdict say why and are left out


def test_winrate_takes_one_path_and_places_an_llm_judges_file_beside_out(tmp_path: Path) -> None:
    battles = write_jsonl(tmp_path / "b.jsonl", [
        {"model_a": "m" if i % 2 else "base", "model_b": "base" if i % 2 else "m", "winner": "model_a",
         "conversation_a": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a" * (i + 1)}],
         "conversation_b": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "b"}]}
        for i in range(8)])
    run = preftree.winrate(battles, baseline="base", resamples=0)
    assert set(run.result.table["model"]) == {"m", "base"}
    pairs = PairSet([Pair(f"p{i}", f"q{i}", "a" * (3 + i), "b" * 4, metadata={"generator_1": "m", "generator_2": "base"})
                     for i in range(6)], source=str(tmp_path / "pairs.jsonl"))
    with LocalJudgeServer(mode="longer-brackets") as server:
        judge = llm_judge("longer", settings=JudgeSettings(base_url=server.url, api_key_env="none"),
                          prompt=judge_prompt("mt-bench"), progress=False)
        placed = preftree.winrate([], pairs=pairs, judge=judge, baseline="base", resamples=0,
                                  out=tmp_path / "w.csv")
    assert (tmp_path / "w.judgments.csv").is_file() and placed.written[0] == tmp_path / "w.csv"
