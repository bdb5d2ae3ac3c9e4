"""One option name means one thing on every command; every option says what it does; options
that cannot apply are errors; commands that use no label ignore the label column."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.cli._judging import JUDGE_TEMPLATES
from preftree.cli._options import DTYPES, LABEL_FORMAT_NAMES, TRUNCATIONS

from ..conftest import write_jsonl

COMMANDS = sorted(cli.commands)


def _options(command: click.Command) -> dict[str, click.Option]:
    return {name: p for p in command.params if isinstance(p, click.Option) for name in p.opts}


def test_every_option_of_every_command_has_help() -> None:
    missing = [f"{name} {opt}" for name in COMMANDS for opt, p in _options(cli.commands[name]).items()
               if not (p.help or "").strip()]
    assert missing == []
    assert all((cli.commands[name].help or "").strip() for name in COMMANDS)


def test_version_is_the_package_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"preftree {importlib.metadata.version('preftree')}"
    for name in COMMANDS:  # no subcommand redefines --version
        assert "--version" not in _options(cli.commands[name])
    assert "--benchmark-version" in _options(cli.commands["rewardbench"])
    assert "--benchmark-version" in _options(cli.commands["leaderboard"])


def test_shared_option_names_mean_the_same_everywhere() -> None:
    for name in COMMANDS:
        options = _options(cli.commands[name])
        assert "--backbone" not in options and "--response1" not in options, name
        if "--dtype" in options:
            assert list(options["--dtype"].type.choices) == list(DTYPES), name  # type: ignore[attr-defined]
        if "--quiet" in options:
            assert options["--quiet"].help == "Print nothing but errors.", name
        if "--force" in options:
            assert "preftree did not write" in (options["--force"].help or ""), name
    for command in ("score", "compare", "train-head", "rewardbench", "judge"):
        assert "--model" in _options(cli.commands[command]), command
    # --revision only where a Hub model is loaded by id
    assert {c for c in COMMANDS if "--revision" in _options(cli.commands[c])} == \
        {"score", "compare", "card", "train-head", "rewardbench", "explain", "probe", "winrate"}


def test_lists_kept_in_the_cli_match_the_library() -> None:
    from preftree.data.labels import LABEL_FORMATS
    from preftree.judges.collect import BACKENDS
    from preftree.scoring.options import DTYPES as LIBRARY_DTYPES
    from preftree.scoring.options import TRUNCATIONS as LIBRARY_TRUNCATIONS

    assert tuple(f for f in LABEL_FORMATS if f != "map") == LABEL_FORMAT_NAMES
    assert set(BACKENDS) == {"openai", "hf"}
    from preftree.judges.prompt import PRESETS

    assert JUDGE_TEMPLATES == ("preftree", *PRESETS)
    assert LIBRARY_DTYPES == DTYPES and LIBRARY_TRUNCATIONS == TRUNCATIONS


@pytest.mark.parametrize("extra", [["--prompt", "p"], ["--response-1", "a"], ["--json"]])
def test_compare_single_options_with_pairs_are_errors(tmp_path: Path, small_pairs_file: Path,
                                                      extra: list[str]) -> None:
    result = CliRunner().invoke(cli, ["compare", "--model", "m", "--pairs", str(small_pairs_file),
                                      "--out", str(tmp_path / "v.csv"), *extra])
    assert result.exit_code == 2 and "cannot be used with --pairs" in result.output


def test_compare_out_without_pairs_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["compare", "--model", "m", "--prompt", "p", "--response-1",
                                      "a", "--response-2", "b", "--out", str(tmp_path / "v.csv")])
    assert result.exit_code == 2 and "--out and --map go with --pairs" in result.output


def test_commands_without_labels_ignore_an_unreadable_label(tmp_path: Path) -> None:
    """``judge`` does not use labels: a label column in a format it cannot tell is no error."""
    from preftree.judges.local_server import LocalJudgeServer

    pairs = write_jsonl(tmp_path / "p.jsonl", [
        {"id": f"p{i}", "prompt": "q", "response_1": "a" * i, "response_2": "bb", "label": "maybe"}
        for i in range(3)])
    explain = CliRunner().invoke(cli, ["explain", "--pairs", str(pairs), "--out", str(tmp_path / "e")])
    assert explain.exit_code == 2 and "--label-format" in explain.output  # explain does use it
    with LocalJudgeServer() as server:
        result = CliRunner().invoke(cli, ["judge", "--pairs", str(pairs), "--model", "m",
                                          "--base-url", server.url, "--quiet",
                                          "--out", str(tmp_path / "j.csv")])
    assert result.exit_code == 0, result.output


def test_preset_with_pairs_is_an_error(tmp_path: Path, small_pairs_file: Path) -> None:
    result = CliRunner().invoke(cli, ["explain", "--preset", "helpsteer2-llm-judges", "--pairs",
                                      str(small_pairs_file), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "--preset loads pairs and judges itself" in result.output


def test_one_meaning_per_name() -> None:
    """--backend on scoring commands names scoring backends only; a generative judge is
    --judge-backend; --bootstrap means refits (explain) and --resamples resamples (rewardbench);
    fit-tree reads --data like train-head; the chosen/rejected coin is --orientation-seed."""
    score = _options(cli.commands["score"])
    assert "openai" not in score["--backend"].help and "rewardbench" not in score["--backend"].help
    bench = _options(cli.commands["rewardbench"])
    assert "--judge-backend" in bench and "--resamples" in bench and "--bootstrap" not in bench
    assert "refits" in _options(cli.commands["explain"])["--bootstrap"].help.lower()
    fit = _options(cli.commands["fit-tree"])
    assert "--data" in fit and "--pairs" not in fit
    for name in ("explain", "score", "judge", "compare"):
        assert "--orientation-seed" in _options(cli.commands[name]), name
    assert "orientation" not in (_options(cli.commands["explain"])["--seed"].help or "")
    result = CliRunner().invoke(cli, ["score", "--backend", "openai", "--model", "m",
                                      "--pairs", "x.jsonl", "--out", "s.csv"])
    assert result.exit_code == 2 and "'openai' is not one of" in result.output


def test_the_orientation_seed_places_chosen_responses_and_the_seed_does_not(tmp_path) -> None:
    from preftree import load_pairs
    from preftree.data.loaders import reading_options

    from ..conftest import write_jsonl

    rows = [{"id": f"r{i}", "prompt": "q", "chosen": f"good {i}", "rejected": f"bad {i}"}
            for i in range(40)]
    path = write_jsonl(tmp_path / "rb.jsonl", rows)
    base = [p.label for p in load_pairs(path)]
    with reading_options(orientation_seed=7):
        other = [p.label for p in load_pairs(path)]
    assert base != other and sorted(set(base)) == [-1, 1]
