"""Nothing the user owns is ever deleted or overwritten: folder outputs are owned through a
manifest, a file is never turned into a folder, and no output may be one of the command's inputs.
Every case here lost or overwrote a file before these rules existed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from preftree._folders import output_dir
from preftree._io import MANIFEST, check_output_dir
from preftree.cli import cli
from preftree.errors import InputError

FAST = ["--bootstrap", "3", "--features", "columns:helpfulness", "--quiet"]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_explain_into_a_folder_of_user_files_is_refused_and_deletes_nothing(
        tmp_path: Path, small_pairs_file: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    pairs = folder / "pairs.jsonl"
    pairs.write_bytes(small_pairs_file.read_bytes())
    (folder / "notes.txt").write_text("my notes")
    code, output = invoke("explain", "--pairs", str(pairs), "--out", str(folder), *FAST)
    assert code == 2 and "preftree did not write it" in output and "--force" in output
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "pairs.jsonl"]
    # --force writes preftree's files beside the user's and keeps theirs byte for byte
    code, output = invoke("explain", "--pairs", str(pairs), "--out", str(folder), "--force", *FAST)
    assert code == 0, output
    assert (folder / "notes.txt").read_text() == "my notes"
    assert pairs.read_bytes() == small_pairs_file.read_bytes()
    assert (folder / "summary.json").exists()
    owned = set(json.loads((folder / MANIFEST).read_text())["files"])
    assert "notes.txt" not in owned and "pairs.jsonl" not in owned and "summary.json" in owned


def test_a_rerun_replaces_only_its_own_files(tmp_path: Path, small_pairs_file: Path) -> None:
    out = tmp_path / "out"
    assert invoke("explain", "--pairs", str(small_pairs_file), "--out", str(out), *FAST)[0] == 0
    (out / "extra.txt").write_text("added by the user later")
    code, output = invoke("explain", "--pairs", str(small_pairs_file), "--out", str(out), *FAST)
    assert code == 2 and "extra.txt" in output  # a foreign file appeared: ask first
    code, _ = invoke("explain", "--pairs", str(small_pairs_file), "--out", str(out), "--force", *FAST)
    assert code == 0 and (out / "extra.txt").read_text() == "added by the user later"


def test_stale_entries_of_an_earlier_run_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_dir(out) as tmp:
        (tmp / "judge-a").mkdir()
        (tmp / "summary.json").write_text("{}")
    with output_dir(out) as tmp:
        (tmp / "summary.json").write_text("{}")
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "summary.json"]


def test_a_clash_with_a_user_file_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("the user's")
    with pytest.raises(InputError, match="would overwrite summary.json"):
        with output_dir(out, force=True) as tmp:
            (tmp / "summary.json").write_text("preftree's")
            (tmp / "tree.json").write_text("preftree's")
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]
    assert (out / "summary.json").read_text() == "the user's"
    assert not list(tmp_path.glob(".out.*"))  # no temporary folder left behind


def test_an_existing_file_never_becomes_a_folder(tmp_path: Path, small_pairs_file: Path) -> None:
    target = tmp_path / "results.csv"
    target.write_text("precious")
    code, output = invoke("explain", "--pairs", str(small_pairs_file), "--out", str(target), *FAST)
    assert code == 2 and "is a file" in output and target.read_text() == "precious"
    code, output = invoke("explain", "--pairs", str(small_pairs_file), "--out",
                          str(target / "below"), *FAST)
    assert code == 2 and "it is a file" in output and target.read_text() == "precious"


def test_the_input_folder_itself_is_not_an_output(tmp_path: Path, small_pairs_file: Path) -> None:
    judges = tmp_path / "judges"
    judges.mkdir()
    (judges / "j.csv").write_text("index,preference\np0,1\n")
    code, output = invoke("explain", "--pairs", str(small_pairs_file), "--judge", str(judges),
                          "--out", str(judges), "--force", *FAST)
    assert code == 2 and "inputs" in output
    assert [p.name for p in judges.iterdir()] == ["j.csv"]


def test_inputs_inside_an_owned_entry_are_refused(tmp_path: Path, small_pairs_file: Path) -> None:
    out = tmp_path / "out"
    with output_dir(out) as tmp:
        (tmp / "pairs.jsonl").write_bytes(small_pairs_file.read_bytes())
    with pytest.raises(InputError, match="earlier preftree run"):
        check_output_dir(out, [out / "pairs.jsonl"])


@pytest.mark.parametrize("command", ["score", "judge", "compare"])
def test_file_outputs_may_not_name_an_input(tmp_path: Path, small_pairs_file: Path,
                                            command: str) -> None:
    before = small_pairs_file.read_bytes()
    args = {"score": ["score", "--model", "no-model-needed", "--pairs", str(small_pairs_file)],
            "judge": ["judge", "--judge-model", "m", "--base-url", "http://127.0.0.1:9/v1",
                      "--pairs", str(small_pairs_file)],
            "compare": ["compare", "--model", "no-model-needed", "--pairs", str(small_pairs_file)]}
    code, output = invoke(*args[command], "--out", str(small_pairs_file))
    assert code == 2 and "is one of this command's inputs" in output
    assert small_pairs_file.read_bytes() == before


def test_report_and_leaderboard_refuse_their_inputs(tmp_path: Path, small_pairs_file: Path) -> None:
    out = tmp_path / "out"
    assert invoke("explain", "--pairs", str(small_pairs_file), "--out", str(out), *FAST)[0] == 0
    summary = (out / "summary.json").read_bytes()
    code, output = invoke("report", str(out), "--out", str(out / "summary.json"))
    assert code == 2 and (out / "summary.json").read_bytes() == summary
    results = tmp_path / "r.json"
    results.write_text("{}")
    code, output = invoke("leaderboard", "--results", str(results), "--out", str(results))
    assert code == 2 and results.read_text() == "{}"


def test_markdown_figures_folder_of_the_user_is_kept(tmp_path: Path, small_pairs_file: Path) -> None:
    out = tmp_path / "out"
    assert invoke("explain", "--pairs", str(small_pairs_file), "--out", str(out), *FAST)[0] == 0
    figures = tmp_path / "report_figures"
    figures.mkdir()
    (figures / "mine.png").write_bytes(b"x")
    code, output = invoke("report", str(out), "--out", str(tmp_path / "report.md"))
    assert code == 2 and (figures / "mine.png").read_bytes() == b"x"


def test_explain_report_inside_the_folder_is_owned(tmp_path: Path, small_pairs_file: Path) -> None:
    out = tmp_path / "out"
    for _ in range(2):  # the second run replaces the first run's report without --force
        code, output = invoke("explain", "--pairs", str(small_pairs_file), "--out", str(out),
                              "--report", str(out / "report.html"), *FAST)
        assert code == 0, output
    assert "report.html" in json.loads((out / MANIFEST).read_text())["files"]


def test_demo_twice_into_the_same_folder(tmp_path: Path) -> None:
    for _ in range(2):
        code, output = invoke("demo", "--out", str(tmp_path / "demo"), "--resamples", "2", "--quiet")
        assert code == 0, output


def test_sigkill_mid_write_keeps_the_old_output_and_the_next_run_sweeps(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "demo"
    assert invoke("demo", "--out", str(out), "--resamples", "2", "--quiet")[0] == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    process = subprocess.Popen([sys.executable, "-m", "preftree", "demo", "--out", str(out),
                                "--bootstrap", "400", "--quiet"])
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".demo.preftree-*")) and time.monotonic() < deadline:
        time.sleep(0.01)  # the run has started writing beside the output
    process.send_signal(signal.SIGKILL)
    process.wait()
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # all or nothing: the old output is whole
    assert list(tmp_path.glob(".demo.preftree-*"))  # the killed run's scratch folder is left...
    assert invoke("demo", "--out", str(out), "--resamples", "2", "--quiet")[0] == 0
    assert not list(tmp_path.glob(".demo.preftree-*"))  # ...and swept by the next run
