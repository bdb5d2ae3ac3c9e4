"""The OpenAI-compatible client against a real HTTP server on a local socket
(:mod:`preftree.judges.local_server`, started by each test): verdicts in both orders, retries,
Retry-After, timeouts, concurrency and rate limits, errors kept apart, and the key never written."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from preftree import PairSet, load_judgments
from preftree.errors import InputError
from preftree.judges import collect_judgments, journal_path
from preftree.judges.local_server import Faults, LocalJudgeServer
from preftree.judges.openai_backend import OpenAIBackend, OpenAIOptions

SECRET = "sk-preftree-test-0123456789abcdef"


@pytest.fixture
def pairs(demo_pairs) -> PairSet:
    return PairSet(list(demo_pairs)[:20])


def _backend(server: LocalJudgeServer, **options) -> OpenAIBackend:
    defaults = {"model": "local-judge", "base_url": server.url, "concurrency": 8,
                "backoff_s": 0.05, "max_wait_s": 1.0}
    return OpenAIBackend(OpenAIOptions(**{**defaults, **options}))


def test_both_orders_are_asked_and_combined(pairs, tmp_path):
    with LocalJudgeServer() as server:
        summary = collect_judgments(pairs, _backend(server), tmp_path / "j.csv", judge="longer",
                                    progress=False)
    assert server.log.requests == 40 and summary.n_asked == 40
    frame = pd.read_csv(tmp_path / "j.csv")
    assert list(frame.columns[:7]) == ["split", "index", "model", "preference_orig_order",
                                       "preference_swapped_order", "preference", "error"]
    for pair, row in zip(pairs, frame.itertuples()):
        if len(pair.response_1) != len(pair.response_2):  # the server prefers the longer response
            expected = 1 if len(pair.response_2) > len(pair.response_1) else -1
            assert (row.preference_orig_order, row.preference_swapped_order, row.preference) == \
                (expected, expected, expected)
    assert summary.consistency == 1.0 and summary.n_api_errors == 0
    assert frame["completion_orig"].str.contains("is the better response").all()
    assert (frame["prompt_tokens"] > 0).all() and (frame["latency_orig_s"] >= 0).all()
    (judged,) = load_judgments(tmp_path / "j.csv", pairs=pairs)
    assert len(judged) == 20 and judged.has_both_orders


def test_position_bias_is_a_disagreement_not_an_error(pairs, tmp_path):
    with LocalJudgeServer(mode="first") as server:
        summary = collect_judgments(pairs, _backend(server), tmp_path / "j.csv", judge="first",
                                    progress=False)
    frame = pd.read_csv(tmp_path / "j.csv")
    assert (frame["preference"] == 0).all() and (frame["error"] == "inconsistent").all()
    assert summary.consistency == 0.0 and summary.first_position_share == 1.0


def test_5xx_are_retried_and_retry_after_is_honoured(pairs, tmp_path):
    with LocalJudgeServer(faults=Faults(status=500, times=2)) as server:
        collect_judgments(pairs, _backend(server), tmp_path / "a.csv", judge="j", progress=False)
    assert server.log.requests == 120  # two failures, then the answer, for each of 40 requests
    journal = [json.loads(line) for line in journal_path(tmp_path / "a.csv").read_text().splitlines()[1:]]
    assert {r["attempts"] for r in journal} == {3} and all(r["error"] is None for r in journal)

    with LocalJudgeServer(faults=Faults(status=429, times=1, retry_after="0.6")) as server:
        collect_judgments(pairs, _backend(server), tmp_path / "b.csv", judge="j", progress=False)
    gaps = [times[1] - times[0] for times in server.log.attempts.values()]
    assert len(gaps) == 40 and min(gaps) >= 0.55  # waited as told, not the 0.05 s backoff


def test_timeouts_are_retried(pairs, tmp_path):
    few = PairSet(list(pairs)[:4])
    with LocalJudgeServer(faults=Faults(stall_s=1.5, stall_times=1)) as server:
        summary = collect_judgments(few, _backend(server, timeout_s=0.4), tmp_path / "j.csv",
                                    judge="j", progress=False)
    assert summary.n_api_errors == 0 and summary.n_decided == 4
    assert all(len(times) == 2 for times in server.log.attempts.values())


def test_failures_are_kept_apart_and_retried_on_the_next_run(pairs, tmp_path):
    out = tmp_path / "j.csv"
    with LocalJudgeServer(faults=Faults(status=503, times=10**6)) as server:
        first = collect_judgments(pairs, _backend(server, max_retries=1), out, judge="j",
                                  progress=False)
        frame = pd.read_csv(out)
        assert first.n_api_errors == 20 and frame["preference"].isna().all()
        assert frame["error"].str.contains("api: HTTP 503").all()
        with pytest.raises(InputError, match="20 rows have no verdict"):
            load_judgments(out, pairs=pairs)  # errors are not read as "no preference"
        server.faults = Faults()
        second = collect_judgments(pairs, _backend(server), out, judge="j", progress=False)
    assert second.n_asked == 40 and second.n_api_errors == 0 and second.n_decided == 20
    again = collect_judgments(pairs, _backend(server), out, judge="j", progress=False)
    assert again.n_asked == 0 and again.n_reused == 40


def test_unparsable_answers_are_answers(pairs, tmp_path):
    class Rambling(LocalJudgeServer):
        def answer(self, body):
            return "Both responses have merits."

    with Rambling() as server:
        summary = collect_judgments(pairs, _backend(server), tmp_path / "j.csv", judge="j",
                                    progress=False)
        assert summary.n_unparsable == 20 and summary.n_api_errors == 0
        rerun = collect_judgments(pairs, _backend(server), tmp_path / "j.csv", judge="j",
                                  progress=False)
    assert rerun.n_asked == 0  # not asked again
    assert (pd.read_csv(tmp_path / "j.csv")["error"] == "orig: unparsable; swapped: unparsable").all()


def test_concurrency_and_rate_limits_are_honoured(pairs, tmp_path):
    with LocalJudgeServer(latency=0.1) as server:
        collect_judgments(pairs, _backend(server, concurrency=4), tmp_path / "a.csv", judge="j",
                          progress=False)
    assert server.log.max_in_flight == 4
    few = PairSet(list(pairs)[:6])  # 12 requests at 300 per minute: starts 0.2 s apart
    with LocalJudgeServer() as server:
        started = time.perf_counter()
        collect_judgments(few, _backend(server, rpm=300, concurrency=8), tmp_path / "b.csv",
                          judge="j", progress=False)
        elapsed = time.perf_counter() - started
    firsts = sorted(times[0] for times in server.log.attempts.values())
    assert min(b - a for a, b in zip(firsts, firsts[1:])) >= 0.15 and elapsed >= 11 * 0.19


def test_the_key_is_sent_but_never_written(pairs, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JUDGE_KEY", SECRET)
    with LocalJudgeServer(faults=Faults(status=500, times=1, echo_auth=True)) as server:
        collect_judgments(pairs, _backend(server, api_key_env="JUDGE_KEY", max_retries=0),
                          tmp_path / "j.csv", judge="j", progress=False)
        collect_judgments(pairs, _backend(server, api_key_env="JUDGE_KEY"), tmp_path / "j.csv",
                          judge="j", progress=False)
    assert server.log.authorization == {f"Bearer {SECRET}"}
    journal = journal_path(tmp_path / "j.csv").read_text()
    assert "injected failure for Bearer ***" in journal  # the server echoed it; we scrubbed it
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), path
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err


def test_missing_key_for_openai_names_the_variable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(InputError, match="set the environment variable OPENAI_API_KEY"):
        OpenAIBackend(OpenAIOptions(model="gpt-4o"))


def test_changed_settings_do_not_mix_in_one_journal(pairs, tmp_path):
    with LocalJudgeServer() as server:
        collect_judgments(pairs, _backend(server), tmp_path / "j.csv", judge="j", progress=False)
        with pytest.raises(InputError, match="other settings.*temperature"):
            collect_judgments(pairs, _backend(server, temperature=0.7), tmp_path / "j.csv",
                              judge="j", progress=False)


def test_rate_limit_spacing_survives_a_stalled_event_loop():
    """A blocked loop (a long GC pause, a slow callback) must not let the next requests bunch up:
    starts stay 60 / rpm apart measured from when each request really started."""
    import asyncio

    from preftree.judges.openai_backend import RateLimiter

    async def main() -> list[float]:
        limiter, starts = RateLimiter(rpm=600), []  # 0.1 s apart

        async def request(stall: bool) -> None:
            await limiter.wait()
            starts.append(time.monotonic())
            if stall:
                time.sleep(0.25)  # blocks the whole event loop

        await asyncio.gather(request(True), request(False), request(False))
        return starts

    starts = asyncio.run(main())
    assert min(b - a for a, b in zip(starts, starts[1:])) >= 0.095


RANDOM_KEY = "sk-Zq81xWv0LmT4rYc9bN2kQp"


# the error body is '{"error": {"message": "injected failure ' + dots + 'for Bearer KEY'; the key
# starts at 51 + offset: 239 puts it across the 300-character cut
@pytest.mark.parametrize(("offset", "chars"), [(239, None), (0, 12), (100, 9)])
def test_a_key_echoed_across_the_cut_or_in_part_is_never_written(pairs, tmp_path, monkeypatch,
                                                                 offset, chars):
    """The server's error body is cut at 300 characters: a key straddling the cut, or echoed
    only in part (8+ characters), must not reach the judge file or the journal."""
    monkeypatch.setenv("JUDGE_KEY", RANDOM_KEY)
    faults = Faults(status=500, times=1, echo_auth=True, echo_offset=offset, echo_chars=chars)
    with LocalJudgeServer(faults=faults) as server:
        collect_judgments(pairs, _backend(server, api_key_env="JUDGE_KEY", max_retries=0),
                          tmp_path / "j.csv", judge="j", progress=False)
    fragments = {RANDOM_KEY[i:i + 8] for i in range(len(RANDOM_KEY) - 7)}
    for path in tmp_path.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert not any(f in text for f in fragments), path
    assert "***" in journal_path(tmp_path / "j.csv").read_text()
