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
from preftree.cli._options import DTYPES, LABEL_FORMAT_NAMES, TRUNCATIONS, PairsLocation

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
    for command in ("score", "compare", "train-head", "rewardbench"):
        assert "--model" in _options(cli.commands[command]), command
    for command in ("judge", "probe", "rewardbench"):  # an LLM judge is --judge-model everywhere
        assert "--judge-model" in _options(cli.commands[command]), command
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


def _visible_options() -> dict[str, list[tuple[str, click.Option]]]:
    """Every visible option name, with the commands (and options) that have it."""
    uses: dict[str, list[tuple[str, click.Option]]] = {}
    for name in COMMANDS:
        for param in cli.commands[name].params:
            if isinstance(param, click.Option) and not param.hidden:
                for opt in [*param.opts, *param.secondary_opts]:
                    uses.setdefault(opt, []).append((name, param))
    return uses


def test_one_meaning_per_name() -> None:
    """Every option name of every command has one stated meaning (cli/_meanings.py, shown in
    CONTRIBUTING.md), takes the same kind of value wherever it appears, and the names that once
    meant two things now mean one: --judge reads judge files (winrate's filter is --only-judge),
    --backend is the scoring backend (an LLM judge's is --judge-backend), --model is a reward
    model (an LLM judge is --judge-model), --format an output format (winrate's input layout is
    --input-format), --resamples the bootstrap count (explain's --bootstrap is gone), and
    --pairs the pairs (fit-tree's --data is gone)."""
    from preftree.cli._meanings import OLD_SPELLINGS, OPTION_MEANINGS

    uses = _visible_options()
    assert sorted(set(uses) - set(OPTION_MEANINGS)) == []  # a new name states its meaning
    assert sorted(set(OPTION_MEANINGS) - set(uses)) == []  # no stale meaning
    for name, where in uses.items():
        kinds = {("text" if isinstance(p.type, (click.Path, click.types.StringParamType, PairsLocation))
                  else type(p.type).__name__, p.is_flag) for _, p in where}
        assert len(kinds) == 1, (name, kinds)
        if name != "--format":  # an output format's choices are each command's own formats
            choices = {tuple(getattr(p.type, "choices", ()) or ()) for _, p in where}
            assert len(choices) == 1, (name, choices)
    contributing = (Path(__file__).parents[2] / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for name, meaning in OPTION_MEANINGS.items():
        assert f"| `{name}` | {meaning} |" in contributing, name
    for command, renames in OLD_SPELLINGS.items():
        options = {opt: p for p in cli.commands[command].params if isinstance(p, click.Option)
                   for opt in p.opts}
        for old, new in renames.items():
            assert options[old].hidden and new in options and not options[new].hidden, (command, old)
    judge_options = {opt for p in cli.commands["judge"].params if isinstance(p, click.Option)
                     and not p.hidden for opt in p.opts}
    assert {"--judge-model", "--judge-backend"} <= judge_options
    assert not {"--model", "--backend"} & judge_options
    assert "refits" not in (_options(cli.commands["explain"])["--resamples"].help or "").split()[0]
    score = _options(cli.commands["score"])
    assert "openai" not in score["--backend"].help and "rewardbench" not in score["--backend"].help
    for name in ("explain", "score", "judge", "compare"):
        assert "--orientation-seed" in _options(cli.commands[name]), name
    assert "orientation" not in (_options(cli.commands["explain"])["--seed"].help or "")
    result = CliRunner().invoke(cli, ["score", "--backend", "openai", "--model", "m",
                                      "--pairs", "x.jsonl", "--out", "s.csv"])
    assert result.exit_code == 2 and "'openai' is not one of" in result.output


@pytest.mark.parametrize(("command", "old", "new", "value"), [
    ("winrate", "--format", "--input-format", "arena"), ("winrate", "--judge", "--only-judge", "x"),
    ("explain", "--bootstrap", "--resamples", "5"), ("fit-tree", "--data", "--pairs", "p.jsonl"),
    ("judge", "--backend", "--judge-backend", "openai"), ("judge", "--model", "--judge-model", "m")])
def test_old_spellings_work_with_a_notice_and_never_with_the_new(command: str, old: str, new: str,
                                                                  value: str) -> None:
    """An old spelling reaches the same parameter, says once that it was renamed, and giving both
    spellings is an error (the command stops before any work)."""
    from preftree.cli._renames import RENAMED

    runner = CliRunner()
    both = runner.invoke(cli, [command, old, value, new, value])
    assert both.exit_code == 2 and f"give {new} or its old spelling {old}, not both" in both.output
    alone = runner.invoke(cli, [command, old, value])
    assert f"note: {old} is now {new}" in alone.stderr
    assert f"Missing option '{new}'" not in alone.output  # the value reached the new parameter
    assert RENAMED  # the meta key the commands read


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


def test_rewardbench_reads_an_old_generative_model_as_the_judge_model(tmp_path: Path) -> None:
    """``rewardbench --model M --judge-backend B`` (the old way to name an LLM judge) still runs M
    as the judge, with a notice; --model and --judge-model together are an error."""
    from preftree.judges.local_server import LocalJudgeServer

    data = write_jsonl(tmp_path / "rb.jsonl", [{"id": "1", "subset": "alpacaeval-easy", "prompt": "q",
                                               "chosen": "a longer answer", "rejected": "short"}])
    with LocalJudgeServer(mode="longer-brackets") as server:
        result = CliRunner().invoke(cli, ["rewardbench", "--model", "m", "--judge-backend", "openai",
                                          "--base-url", server.url, "--data", str(data), "--resamples", "0",
                                          "--out", str(tmp_path / "r.json"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "reading --model m as --judge-model" in result.stderr
    assert (tmp_path / "r.judgments.csv").is_file()
    both = CliRunner().invoke(cli, ["rewardbench", "--model", "m", "--judge-model", "j", "--out", str(tmp_path / "x.json")])
    assert both.exit_code == 2 and "one of them" in both.output
