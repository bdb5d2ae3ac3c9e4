"""A server that lies or stalls cannot hang ``preftree judge`` or make it exit 0 without verdicts;
answers are reused by content, never by id alone; what is written is scrubbed and bounded.
All against a real HTTP server on a local socket (``LocalJudgeServer``)."""

from __future__ import annotations

import email.utils
import json
import random
import time

import pandas as pd
import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.data import PairSet, load_judgments, load_pairs
from preftree.errors import InputError
from preftree.judges import collect_judgments, journal_path
from preftree.judges.collect import COMPLETION_CHARS
from preftree.judges.local_server import Faults, LocalJudgeServer
from preftree.judges.openai_backend import OpenAIBackend, OpenAIOptions, retry_delay

from ..conftest import write_jsonl

SECRET = "sk-test-echoed-back-9f8e7d"


@pytest.fixture
def pairs(demo_pairs) -> PairSet:
    return PairSet(list(demo_pairs)[:6])


def _backend(server: LocalJudgeServer, **options) -> OpenAIBackend:
    defaults = {"model": "local-judge", "base_url": server.url, "concurrency": 4, "backoff_s": 0.05,
                "max_wait_s": 0.2}
    return OpenAIBackend(OpenAIOptions(**{**defaults, **options}))


@pytest.mark.parametrize("retry_after", ["100000", "inf", "Infinity", "1e308", "soon", "-5", "nan",
                                         email.utils.formatdate(time.time() + 86400 * 365, usegmt=True)])
def test_every_wait_is_capped(pairs, tmp_path, retry_after):
    started = time.monotonic()
    with LocalJudgeServer(faults=Faults(status=429, times=1, retry_after=retry_after)) as server:
        summary = collect_judgments(pairs, _backend(server), tmp_path / "j.csv", judge="j",
                                    progress=False)
    assert summary.n_api_errors == 0 and summary.n_decided + summary.n_inconsistent == len(pairs)
    assert time.monotonic() - started < 10  # 12 requests, each waiting at most 0.2 s once


def test_retry_delay_parses_what_it_can_and_caps_the_rest():
    rng = random.Random(0)
    assert retry_delay(1, "3", 1.0, 60.0, rng) == 3.0
    assert retry_delay(1, "100000", 1.0, 60.0, rng) == 60.0
    assert retry_delay(1, "inf", 1.0, 7.0, rng) == 7.0
    assert 0.0 <= retry_delay(1, "not a date", 1.0, 60.0, rng) <= 1.0
    assert retry_delay(1, email.utils.formatdate(0, usegmt=True), 1.0, 60.0, rng) == 0.0
    assert retry_delay(40, None, 1.0, 60.0, rng) <= 60.0  # no overflow at high attempts


def test_waits_are_reported_to_the_progress_bar(pairs, tmp_path):
    waits: list[tuple[float, str]] = []
    with LocalJudgeServer(faults=Faults(status=429, times=1, retry_after="30")) as server:
        backend = _backend(server, max_wait_s=1.0, concurrency=1)
        from preftree.judges.records import JudgeRequest

        request = JudgeRequest("p", "orig", [{"role": "user", "content": "### Response A\nx\n\n### Response B\ny"}])
        results = []
        backend.run([request], results.append, lambda s, why: waits.append((s, why)))
    assert results[0].error is None and len(waits) == 1
    assert waits[0][0] == 1.0 and waits[0][1].startswith("HTTP 429")


def test_judge_exits_1_when_pairs_are_left_without_a_verdict(pairs, tmp_path):
    pairs_file = write_jsonl(tmp_path / "pairs.jsonl", [
        {"id": p.id, "prompt": p.prompt, "response_1": p.response_1, "response_2": p.response_2}
        for p in pairs])
    out = tmp_path / "j.csv"
    with LocalJudgeServer(faults=Faults(status=500, times=1000)) as server:
        result = CliRunner().invoke(cli, ["judge", "--pairs", str(pairs_file), "--judge-model", "m",
                                          "--base-url", server.url, "--max-retries", "0",
                                          "--out", str(out), "--quiet"])
    assert result.exit_code == 1
    assert f"{len(pairs)} of {len(pairs)} pairs have no verdict" in result.output
    assert "run the same command again" in result.output
    frame = pd.read_csv(out)  # the file is still written, every row saying why
    assert frame["preference"].isna().all() and frame["error"].str.contains("api: HTTP 500").all()


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_timeout_must_be_positive(tmp_path, small_pairs_file, value):
    result = CliRunner().invoke(cli, ["judge", "--pairs", str(small_pairs_file), "--judge-model", "m",
                                      "--base-url", "http://127.0.0.1:9/v1", "--timeout", value,
                                      "--out", str(tmp_path / "j.csv")])
    assert result.exit_code == 2 and "--timeout" in result.output
    with pytest.raises(ValueError, match="timeout"):
        OpenAIOptions(model="m", timeout_s=float(value))


def test_an_edited_pair_is_asked_again(pairs, tmp_path):
    out = tmp_path / "j.csv"
    records = [{"id": p.id, "prompt": p.prompt, "response_1": p.response_1, "response_2": p.response_2}
               for p in pairs]
    with LocalJudgeServer() as server:
        collect_judgments(load_pairs(write_jsonl(tmp_path / "a.jsonl", records)), _backend(server),
                          out, judge="j", progress=False)
        assert server.log.requests == 2 * len(pairs)
        before = pd.read_csv(out).set_index("index")["preference"]
        # same id, new text: response_2 becomes far longer, so the length-loving judge flips
        records[0] = {**records[0], "response_1": "x" * 5000, "response_2": "y"}
        summary = collect_judgments(load_pairs(write_jsonl(tmp_path / "b.jsonl", records)),
                                    _backend(server), out, judge="j", progress=False)
        assert server.log.requests == 2 * len(pairs) + 2  # exactly the edited pair, both orders
    assert summary.n_asked == 2 and summary.n_reused == 2 * len(pairs) - 2
    after = pd.read_csv(out).set_index("index")["preference"]
    assert after[records[0]["id"]] == -1
    assert (after.drop(records[0]["id"]) == before.drop(records[0]["id"])).all()


def test_an_echoed_key_is_scrubbed_and_long_completions_are_cut(pairs, tmp_path, monkeypatch):
    monkeypatch.setenv("JUDGE_KEY", SECRET)
    out = tmp_path / "j.csv"
    with LocalJudgeServer(faults=Faults(echo_auth_in_answer=True), padding=3 * COMPLETION_CHARS) as server:
        collect_judgments(pairs, _backend(server, api_key_env="JUDGE_KEY"), out, judge="j",
                          progress=False)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), path
    frame = pd.read_csv(out)
    assert frame["completion_orig"].str.len().max() < COMPLETION_CHARS + 100
    assert frame["completion_orig"].str.contains("more characters in the journal").all()
    journal = [json.loads(line) for line in journal_path(out).read_text().splitlines()[1:]]
    assert min(len(r["completion"]) for r in journal) > 3 * COMPLETION_CHARS
    assert all("Bearer ***" in r["completion"] for r in journal)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_the_suffix_chooses_the_format_and_ids_survive(tmp_path, suffix):
    odd = ["000", "007", "1e3", "0x1f", "1.50", "nan"]
    pairs_file = tmp_path / "pairs.csv"
    pd.DataFrame([{"id": i, "prompt": "q", "response_1": "a" * (n + 1), "response_2": "bb"}
                  for n, i in enumerate(odd)]).to_csv(pairs_file, index=False)
    out = tmp_path / f"judge{suffix}"
    with LocalJudgeServer() as server:
        result = CliRunner().invoke(cli, ["judge", "--pairs", str(pairs_file), "--judge-model", "m",
                                          "--base-url", server.url, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    if suffix == ".jsonl":
        assert json.loads(out.read_text().splitlines()[0])["index"] == "000"
    [judgments] = load_judgments(out, pairs=load_pairs(pairs_file))
    assert sorted(judgments.ids) == sorted(odd)
    bad = CliRunner().invoke(cli, ["judge", "--pairs", str(pairs_file), "--judge-model", "m",
                                   "--base-url", "http://127.0.0.1:9/v1", "--out",
                                   str(tmp_path / "judge.txt")])
    assert bad.exit_code == 2 and "the suffix chooses the format" in bad.output


def test_judge_files_cannot_be_read_against_swapped_or_edited_pairs(tmp_path):
    """A pairs file mapped the other way round flipped 213 of LLMBar's 419 verdicts silently."""
    rows = [{"id": f"p{i}", "prompt": f"q{i}", "response_1": "a" * (i + 1), "response_2": "b" * (7 - i)}
            for i in range(6)]
    pairs_file = write_jsonl(tmp_path / "pairs.jsonl", rows)
    with LocalJudgeServer() as server:
        assert CliRunner().invoke(cli, ["judge", "--pairs", str(pairs_file), "--judge-model", "m",
                                        "--base-url", server.url, "--out",
                                        str(tmp_path / "j.csv"), "--quiet"]).exit_code == 0
    [ok] = load_judgments(tmp_path / "j.csv", pairs=load_pairs(pairs_file))
    assert ok.checked is True
    flipped = load_pairs(pairs_file, mapping={"response_1": "response_2", "response_2": "response_1"})
    with pytest.raises(InputError, match="6 were made on the pairs with response_1 and response_2 swapped"):
        load_judgments(tmp_path / "j.csv", pairs=flipped)
    edited = write_jsonl(tmp_path / "edited.jsonl", [{**rows[0], "response_2": "new"}, *rows[1:]])
    with pytest.raises(InputError, match="1 were made on other texts \\(e.g. 'p0'\\)"):
        load_judgments(tmp_path / "j.csv", pairs=load_pairs(edited))
    third_party = tmp_path / "third.csv"
    pd.read_csv(tmp_path / "j.csv").drop(columns="pair_sha").to_csv(third_party, index=False)
    [unchecked] = load_judgments(third_party, pairs=load_pairs(pairs_file))
    assert unchecked.checked is None
    # some rows with a hash, some without: those with one are still checked, the rest counted
    partial = pd.read_csv(tmp_path / "j.csv")
    partial.loc[[0, 1], "pair_sha"] = None
    partial.to_csv(tmp_path / "partial.csv", index=False)
    [mixed] = load_judgments(tmp_path / "partial.csv", pairs=load_pairs(pairs_file))
    assert mixed.checked is True and mixed.n_unchecked == 2
    with pytest.raises(InputError, match="1 were made on other texts"):
        load_judgments(tmp_path / "partial.csv",
                       pairs=load_pairs(write_jsonl(tmp_path / "e2.jsonl",
                                                    [*rows[:5], {**rows[5], "response_2": "new"}])))
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(pairs_file), "--judge",
                                      str(tmp_path / "partial.csv"), "--features", "style",
                                      "--cv", "2", "--resamples", "2", "--out", str(tmp_path / "e")])
    assert "2 of 6 verdicts of judge" in result.output and "could not be checked" in result.output


def test_the_client_runs_inside_a_running_event_loop(pairs, tmp_path):
    """Jupyter and async apps call preftree from a running loop; asyncio.run would refuse there."""
    import asyncio

    async def inside() -> object:
        with LocalJudgeServer() as server:
            return collect_judgments(pairs, _backend(server), tmp_path / "j.csv", judge="j",
                                     progress=False)

    summary = asyncio.run(inside())
    assert summary.n_api_errors == 0 and summary.n_asked == 2 * len(pairs)
