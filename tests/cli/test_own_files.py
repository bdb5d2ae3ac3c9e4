"""Files preftree opens for itself get an output's care (issue 28, items 1-6): the manifest's
temporary file, judge journals, the manifest key, folder entries, a killed run's leftovers and
half-replaced outputs."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from preftree import _manifest
from preftree.cli import cli
from preftree.judges.local_server import LocalJudgeServer

from ..conftest import write_jsonl


def invoke(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), env=env)


def _demo(out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return invoke("demo", "--out", str(out), "--resamples", "3", "--quiet", *extra)


def test_a_link_planted_at_the_manifest_scratch_name_is_never_written_through(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _demo(out).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    for name in (f"..preftree-manifest.json.{os.getpid()}.tmp", f".preftree-manifest.json.{os.getpid()}.tmp"):
        (out / name).symlink_to(victim)
    assert _demo(out, "--force").exit_code == 0
    report = invoke("report", str(tmp_path / "out"), "--out", str(out / "again.html"))
    assert report.exit_code == 0, report.output
    assert victim.read_text() == "mine"


def test_a_planted_journal_is_refused_never_followed_blocked_on_or_read_without_end(tmp_path: Path) -> None:
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [
        {"id": f"p{i}", "prompt": f"q{i}", "response_1": "a", "response_2": "bb"} for i in range(3)])
    out = tmp_path / "j.csv"
    journal = tmp_path / ".j.csv.journal.jsonl"
    victim = tmp_path / "victim.jsonl"
    victim.write_text('{"header": {}}\n{"torn')
    with LocalJudgeServer() as server:
        def judge():  # type: ignore[no-untyped-def]
            return invoke("judge", "--pairs", str(pairs), "--judge-model", "m", "--base-url", server.url,
                          "--api-key-env", "none", "--out", str(out), "--quiet")

        journal.symlink_to(victim)
        refused = judge()
        assert refused.exit_code == 2 and "symbolic link" in refused.output, refused.output
        assert victim.read_text() == '{"header": {}}\n{"torn'  # not truncated, nothing appended
        journal.unlink()
        journal.symlink_to("/dev/zero")
        started = time.monotonic()
        assert judge().exit_code == 2 and time.monotonic() - started < 10
        journal.unlink()
        os.mkfifo(journal)
        started = time.monotonic()
        assert judge().exit_code == 2 and time.monotonic() - started < 10
        journal.unlink()
        done = judge()
        assert done.exit_code == 0, done.output
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600


@pytest.fixture()
def fresh_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(_manifest, "_KEY", None)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    yield
    monkeypatch.setattr(_manifest, "_KEY", None)


def test_a_planted_or_shared_key_is_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_key) -> None:  # type: ignore[no-untyped-def]
    planted = b"k" * 32
    state = tmp_path / "state"
    state.mkdir(mode=0o777)
    os.chmod(state, 0o777)  # a folder others may write: its key could be anyone's
    (state / "manifest.key").write_bytes(planted)
    os.chmod(state / "manifest.key", 0o600)
    monkeypatch.setenv("PREFTREE_STATE_DIR", str(state))
    fallback = tmp_path / "tmp" / f"preftree-{os.getuid()}"
    fallback.mkdir(mode=0o700)
    (fallback / "manifest.key").symlink_to(state / "manifest.key")  # a link: never read through
    key = _manifest._key()
    assert key != planted and len(key) == 32
    # a private folder with a key readable by others, or of the wrong size: refused too
    monkeypatch.setattr(_manifest, "_KEY", None)
    os.chmod(state, 0o700)
    os.chmod(state / "manifest.key", 0o644)
    (fallback / "manifest.key").unlink()
    assert _manifest._key() != planted
    # a proper private folder: a key is made exclusively, 0600, and kept
    monkeypatch.setattr(_manifest, "_KEY", None)
    (state / "manifest.key").unlink()
    first = _manifest._key()
    assert stat.S_IMODE((state / "manifest.key").stat().st_mode) == 0o600
    monkeypatch.setattr(_manifest, "_KEY", None)
    assert _manifest._key() == first


def test_a_hand_written_folder_entry_removes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _demo(out).exit_code == 0
    keep = out / "keep" / "me"
    keep.mkdir(parents=True)
    manifest = json.loads((out / ".preftree-manifest.json").read_text())
    manifest["files"]["keep/me"] = {"folder": True, "owner": "."}
    manifest["files"]["keep"] = {"folder": True, "owner": "."}
    (out / ".preftree-manifest.json").write_text(json.dumps(manifest))
    assert _demo(out, "--force").exit_code == 0
    assert keep.is_dir()


def test_a_killed_runs_manifest_scratch_blocks_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _demo(out).exit_code == 0
    dead = 2 ** 22 + 12345  # no such process
    leftover = out / f"..preftree-manifest.json.{dead}.tmp"
    leftover.write_text((out / ".preftree-manifest.json").read_text()[:300])  # cut off mid-write
    whole = out / f".preftree-manifest.json.{dead + 1}-abcd1234.tmp"
    whole.write_text((out / ".preftree-manifest.json").read_text())
    notes = out / f".preftree-manifest.json.{dead + 2}.tmp"  # the user's, in that name's shape
    notes.write_text("my notes")
    rerun = _demo(out)  # no --force: the leftovers are preftree's, not the user's
    assert rerun.exit_code == 0, rerun.output
    assert not whole.exists() and not leftover.exists()
    assert notes.read_text() == "my notes"  # a user's file of that name's shape is never swept


def test_readers_refuse_a_half_replaced_folder_and_winrate_files_change_together(tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert _demo(out).exit_code == 0
    manifest = _manifest.Manifest.read(out)
    manifest.complete = False  # what a run killed between two renames leaves
    manifest.write()
    refused = invoke("report", str(out), "--out", str(tmp_path / "r.html"))
    assert refused.exit_code == 2 and "killed here while it replaced files" in refused.output
    assert _demo(out).exit_code == 0  # the rerun repairs it
    assert invoke("report", str(out), "--out", str(tmp_path / "r.html")).exit_code == 0

    from preftree import _io
    from preftree.winrate.document import load_winrate, write_winrate
    from preftree.winrate.inputs import Comparisons
    from preftree.winrate.run import win_rates

    from ..winrate.test_identification import length_judge

    frame = length_judge(noise=0.1, n=40)
    result = win_rates(frame, baseline="base", resamples=0)
    comparisons = Comparisons(frame, {}, [], set(), None, [])
    target = tmp_path / "w" / "winrate.csv"
    write_winrate(result, comparisons, target, settings={})
    renames = []
    real_replace = os.replace

    def replace_then_die(source, destination):  # type: ignore[no-untyped-def]
        renames.append(destination)
        if str(destination).endswith("winrate.csv"):
            raise KeyboardInterrupt  # killed between the JSON's rename and the CSV's
        real_replace(source, destination)

    monkeypatch.setattr(_io.os, "replace", replace_then_die)
    with pytest.raises(KeyboardInterrupt):
        write_winrate(result, comparisons, target, settings={})
    monkeypatch.setattr(_io.os, "replace", real_replace)
    from preftree.errors import InputError

    with pytest.raises(InputError, match="killed here"):
        load_winrate(target.with_suffix(".json"))
    write_winrate(result, comparisons, target, settings={})
    assert load_winrate(target.with_suffix(".json"))["kind"] == "preftree-winrate"


def test_what_the_third_hostile_pass_found(tmp_path: Path) -> None:
    """A leftover named with a pid no process can have is left alone (it crashed every write
    after the work was done); a manifest nested 100,000 deep grants nothing and crashes nothing."""
    out = tmp_path / "out"
    out.mkdir()
    odd = out / ".preftree-manifest.json.99999999999.tmp"
    odd.write_text("")
    assert _demo(out, "--force").exit_code == 0 and odd.exists()
    pairs = tmp_path / "m" / "pairs.csv"
    pairs.parent.mkdir()
    pairs.write_text("id,prompt,response_1,response_2,label\n" + "".join(f"p{i},q,{'a' * (i % 5 + 1)},b,{1 if i % 2 else -1}\n"
                                                                     for i in range(40)))
    (pairs.parent / ".preftree-manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    result = invoke("explain", "--pairs", str(pairs), "--features", "style", "--resamples", "5", "--out", str(tmp_path / "e"))
    assert result.exit_code == 0 and "preftree bug" not in result.output, result.output
