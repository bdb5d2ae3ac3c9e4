"""A manifest is no licence to delete, file outputs never replace what preftree did not write,
inputs are compared after resolving ``file://`` and links, and a kill inside the final renames
leaves every file recognised. Each case lost or replaced a user's file before (issue 18)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from preftree._folders import half_written, output_dir
from preftree._io import MANIFEST, check_output_dir
from preftree._manifest import Manifest
from preftree.cli import cli
from preftree.errors import InputError

FAST = ["--bootstrap", "3", "--features", "columns:helpfulness", "--quiet"]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}


def test_a_users_file_inside_a_preftree_subfolder_survives_reruns(tmp_path: Path) -> None:
    out = tmp_path / "d"
    assert invoke("demo", "--out", str(out), "--resamples", "2", "--quiet")[0] == 0
    subfolder = next(p for p in out.iterdir() if p.is_dir())
    notes = subfolder / "my_notes.md"
    notes.write_text("careful judge: check pair 17")
    code, output = invoke("demo", "--out", str(out), "--resamples", "2", "--quiet")
    assert code == 2 and "my_notes.md" in output and notes.read_text().startswith("careful")
    code, output = invoke("demo", "--out", str(out), "--resamples", "2", "--quiet", "--force")
    assert code == 0, output
    assert notes.read_text() == "careful judge: check pair 17"


def test_a_copied_manifest_grants_nothing(tmp_path: Path, small_pairs_file: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    assert invoke("explain", "--pairs", str(small_pairs_file), "--out", str(elsewhere), *FAST)[0] == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "summary.json").write_text("my own summary")
    (mine / "tree.json").write_text("my own tree")
    (mine / MANIFEST).write_bytes((elsewhere / MANIFEST).read_bytes())  # copied beside my files
    code, output = invoke("explain", "--pairs", str(small_pairs_file), "--out", str(mine), *FAST)
    assert code == 2 and "did not write" in output
    code, output = invoke("explain", "--pairs", str(small_pairs_file), "--out", str(mine),
                          "--force", *FAST)
    assert code == 2 and "would overwrite" in output and "nothing was changed" in output
    assert (mine / "summary.json").read_text() == "my own summary"
    assert (mine / "tree.json").read_text() == "my own tree"


def test_a_hand_written_manifest_deletes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    for forged in ({"entries": ["notes.txt"]},
                   {"format": 2, "complete": True,
                    "files": {"notes.txt": {"sha256": ["0" * 64], "owner": "."},
                              "../outside.txt": {"sha256": ["0" * 64], "owner": "."}}}):
        (out / MANIFEST).write_text(json.dumps(forged))
        with output_dir(out, force=True) as tmp:
            (tmp / "summary.json").write_text("{}")
        assert (out / "notes.txt").read_text() == "mine"
        (out / "summary.json").unlink()
    (tmp_path / "outside.txt").write_text("outside")
    assert (tmp_path / "outside.txt").read_text() == "outside"


def test_a_changed_preftree_file_is_kept_and_reported(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    with output_dir(out) as tmp:
        (tmp / "old.csv").write_text("a\n")
        (tmp / "summary.json").write_text("{}")
    (out / "old.csv").write_text("a\nmy edit\n")
    with output_dir(out, force=True) as tmp:
        (tmp / "summary.json").write_text('{"new": 1}')
    assert (out / "old.csv").read_text() == "a\nmy edit\n"
    assert "kept old.csv" in capsys.readouterr().err
    assert "old.csv" not in Manifest.read(out).files  # it is the user's now


@pytest.mark.parametrize("kind", ["fifo", "symlink", "device"])
def test_file_outputs_never_replace_special_files(tmp_path: Path, small_pairs_file: Path,
                                                  kind: str) -> None:
    explain_dir = tmp_path / "ex"
    assert invoke("explain", "--pairs", str(small_pairs_file), "--out", str(explain_dir), *FAST)[0] == 0
    target = tmp_path / "report.html"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink":
        target.symlink_to("/proc/self/fd/1")
    else:
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own
    before = os.lstat(target).st_mode
    for force in ([], ["--force"]):
        code, output = invoke("report", str(explain_dir), "--out", str(target), *force)
        assert code == 2 and "preftree writes only to a new path or a regular file" in output
        assert os.lstat(target).st_mode == before


def test_file_outputs_replace_only_their_own_or_with_force(tmp_path: Path,
                                                           small_pairs_file: Path) -> None:
    explain_dir = tmp_path / "ex"
    assert invoke("explain", "--pairs", str(small_pairs_file), "--out", str(explain_dir), *FAST)[0] == 0
    notes = tmp_path / "notes.html"
    notes.write_text("<p>my notes</p>")
    code, output = invoke("report", str(explain_dir), "--out", str(notes))
    assert code == 2 and "preftree did not write it" in output and "--force" in output
    assert notes.read_text() == "<p>my notes</p>"
    result = CliRunner().invoke(cli, ["report", str(explain_dir), "--out", str(notes), "--force"],
                                catch_exceptions=False)
    assert result.exit_code == 0 and "which preftree had not written" in result.output
    assert "<html" in notes.read_text().lower()
    assert invoke("report", str(explain_dir), "--out", str(notes))[0] == 0  # preftree's now
    notes.write_text(notes.read_text() + "<!-- my edit -->")
    assert invoke("report", str(explain_dir), "--out", str(notes))[0] == 2  # edited: yours again


def test_file_uri_and_links_to_an_input_are_inputs(tmp_path: Path) -> None:
    data = tmp_path / "rb.jsonl"
    data.write_text('{"id": "1", "prompt": "p", "chosen": "a", "rejected": "b", "subset": "x"}\n')
    before = data.read_bytes()
    for scheme in ("file", "FILE"):  # the scheme in any case, as a URI parser reads it
        code, output = invoke("rewardbench", "--model", "m", "--data", f"{scheme}://{data}",
                              "--out", str(data), "--force")
        assert code == 2 and "is one of this command's inputs" in output
    hard = tmp_path / "hard.jsonl"
    os.link(data, hard)
    code, output = invoke("rewardbench", "--model", "m", "--data", str(data), "--out", str(hard),
                          "--force")
    assert code == 2 and "inputs" in output
    link = tmp_path / "link.jsonl"
    link.symlink_to(data)
    code, output = invoke("rewardbench", "--model", "m", "--data", str(data), "--out", str(link),
                          "--force")
    assert code == 2
    assert data.read_bytes() == before


def test_an_out_link_to_a_folder_writes_into_the_folder(tmp_path: Path,
                                                        small_pairs_file: Path) -> None:
    real = tmp_path / "real"
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    real.mkdir()
    for _ in range(2):
        code, output = invoke("explain", "--pairs", str(small_pairs_file), "--out", str(link), *FAST)
        assert code == 0, output
    assert link.is_symlink() and (real / "summary.json").is_file()


KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import preftree._folders as io
    renames, real_replace = [0], os.replace
    def replace(a, b):
        if Path(a).parent.name.endswith('.tmp') and Path(b).parent == Path(sys.argv[1]):
            renames[0] += 1
            if renames[0] == 2:  # inside the final renames: one file moved, the rest not yet
                os.kill(os.getpid(), signal.SIGKILL)
        real_replace(a, b)
    io.os.replace = replace
    with io.output_dir(sys.argv[1]) as tmp:
        for name in ("a.json", "b.json", "c.json"):
            (tmp / name).write_text("second run " + name)
""")


def test_kill_inside_the_final_renames_leaves_a_recognised_repairable_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_dir(out) as tmp:
        for name in ("a.json", "b.json", "c.json"):
            (tmp / name).write_text("first run " + name)
    process = subprocess.run([sys.executable, "-c", KILLER, str(out)])
    assert process.returncode == -signal.SIGKILL
    assert half_written(out)
    manifest = Manifest.read(out)
    assert all(manifest.owns(name) for name in ("a.json", "b.json", "c.json"))
    contents = snapshot(out)
    assert sorted(contents) == [MANIFEST, "a.json", "b.json", "c.json"]  # nothing missing
    assert any(v.startswith(b"second") for v in contents.values())
    with output_dir(out) as tmp:  # the rerun repairs without --force
        for name in ("a.json", "b.json", "c.json"):
            (tmp / name).write_text("third run " + name)
    assert not half_written(out)
    assert {k: v for k, v in snapshot(out).items() if k != MANIFEST} == {
        n: f"third run {n}".encode() for n in ("a.json", "b.json", "c.json")}


def test_manifest_entries_outside_the_folder_are_ignored(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text(json.dumps({"format": 2, "complete": True, "files": {
        "/etc/passwd": {"sha256": ["0" * 64], "owner": "."},
        "../x": {"sha256": ["0" * 64], "owner": "."}}}))
    assert Manifest.read(out).files == {}
    with pytest.raises(InputError):
        (out / "x").write_text("user")
        from preftree._io import check_output_dir

        check_output_dir(out)


def test_a_forged_manifest_with_the_hash_of_a_users_file_grants_nothing(tmp_path: Path) -> None:
    """Entries are sealed with a key outside the folder: a manifest written by hand, even with
    the exact SHA-256 of the user's file, is not preftree's record."""
    import hashlib

    out = tmp_path / "F1"
    out.mkdir()
    notes = out / "notes.txt"
    notes.write_text("my notes")
    digest = hashlib.sha256(notes.read_bytes()).hexdigest()
    for entry in ({"sha256": [digest], "owner": "."}, {"sealed": [[digest, "0" * 64]], "owner": "."}):
        (out / MANIFEST).write_text(json.dumps({"format": 3, "complete": True,
                                                "files": {"notes.txt": entry}}))
        assert not Manifest.read(out).owns("notes.txt")
        with output_dir(out, force=True) as tmp:
            (tmp / "summary.json").write_text("{}")
        assert notes.read_text() == "my notes"
        (out / "summary.json").unlink()


def test_force_never_deletes_through_a_symlinked_subfolder(tmp_path: Path) -> None:
    out, archive = tmp_path / "o3", tmp_path / "archive"
    with output_dir(out) as tmp:
        (tmp / "jB").mkdir()
        (tmp / "jB" / "summary.json").write_text("judge B")
        (tmp / "summary.json").write_text("{}")
    (out / "jB").rename(archive)
    (out / "jB").symlink_to(archive, target_is_directory=True)  # the user archived it elsewhere
    assert not Manifest.read(out).owns("jB/summary.json")
    with pytest.raises(InputError):
        check_output_dir(out)  # a link preftree did not make: ask first
    with output_dir(out, force=True) as tmp:
        (tmp / "summary.json").write_text('{"new": 1}')
    assert (archive / "summary.json").read_text() == "judge B"


def test_only_preftree_scratch_names_are_swept(tmp_path: Path) -> None:
    keep = [tmp_path / ".lb.md.preftree-999999-mybackup", tmp_path / ".lb.md.preftree-999999-abcdefgh.bak"]
    for path in keep:
        path.write_text("precious")
    dead = tmp_path / ".lb.md.preftree-999999-abcd_123.tmp"  # the shape mkstemp gives, pid gone
    dead.write_text("scratch")
    from preftree._io import atomic_write_text

    atomic_write_text(tmp_path / "lb.md", "board")
    assert all(path.read_text() == "precious" for path in keep) and not dead.exists()


def test_the_manifest_is_never_an_output(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["leaderboard", "--out", str(tmp_path / MANIFEST)])
    assert result.exit_code == 2 and "preftree's record" in result.output
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / MANIFEST).mkdir()
    result = CliRunner().invoke(cli, ["leaderboard", "--out", str(tmp_path / "sub" / "lb.md")])
    assert result.exit_code == 2 and "move it away" in result.output
    assert not [p for p in (tmp_path / "sub").iterdir() if p.name != MANIFEST]


def test_out_dot_is_the_folder_itself(tmp_path: Path, small_pairs_file: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "e1"
    here.mkdir()
    monkeypatch.chdir(here)
    for _ in range(2):
        code, output = invoke("explain", "--pairs", str(small_pairs_file), "--out", ".", *FAST)
        assert code == 0, output
    assert (here / "summary.json").is_file()
    code, output = invoke("explain", "--pairs", str(small_pairs_file), "--out", "x/..", *FAST)
    assert code == 0, output


def test_markdown_report_force_writes_figures_beside_the_users(tmp_path: Path,
                                                                small_pairs_file: Path) -> None:
    explain_dir = tmp_path / "ex"
    assert invoke("explain", "--pairs", str(small_pairs_file), "--out", str(explain_dir), *FAST)[0] == 0
    figures = tmp_path / "rr" / "report_figures"
    figures.mkdir(parents=True)
    (figures / "notes.txt").write_text("mine")
    assert invoke("report", str(explain_dir), "--out", str(tmp_path / "rr" / "report.md"))[0] == 2
    code, output = invoke("report", str(explain_dir), "--out", str(tmp_path / "rr" / "report.md"),
                          "--force")
    assert code == 0, output
    assert (figures / "notes.txt").read_text() == "mine" and (figures / "importances.png").is_file()


def test_concurrent_first_runs_agree_on_one_manifest_key(tmp_path: Path) -> None:
    """The sealing key is published whole: six processes starting at once all get the same one,
    so none of them later fails to recognise what another wrote."""
    code = "from preftree._manifest import _key; print(_key().hex())"
    env = {**os.environ, "PREFTREE_STATE_DIR": str(tmp_path / "state")}
    runs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(6)]
    keys = {run.communicate(timeout=120)[0].strip() for run in runs}
    assert len(keys) == 1 and len(next(iter(keys))) == 64
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == ["manifest.key"]
    assert stat.S_IMODE((tmp_path / "state" / "manifest.key").stat().st_mode) == 0o600


@pytest.mark.parametrize("command", ["judge", "score", "explain", "rewardbench"])
def test_an_output_given_as_a_uri_is_refused_not_written_into_a_folder_named_file(
        tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--out file:///x`` (or s3://) would have made a folder named ``file:`` in the working
    directory: every output is a local path, and says so before any work."""
    from click.testing import CliRunner

    from preftree.cli import cli

    monkeypatch.chdir(tmp_path)
    pairs = tmp_path / "p.jsonl"
    pairs.write_text('{"id": "a", "prompt": "q", "response_1": "x", "response_2": "yy"}\n')
    args = {"judge": ["--pairs", str(pairs), "--judge-model", "m"], "score": ["--pairs", str(pairs), "--model", "m"],
            "explain": ["--pairs", str(pairs)], "rewardbench": ["--model", "m", "--data", str(pairs)]}[command]
    for uri in (f"file://{tmp_path}/out.csv", "s3://bucket/out.csv"):
        result = CliRunner().invoke(cli, [command, *args, "--out", uri])
        assert result.exit_code == 2 and "not a URI" in result.output, result.output
    assert not any(p.name.startswith(("file:", "s3:")) for p in tmp_path.iterdir())
