"""Bad input, a broken environment or a preftree bug reach the user as one line naming the file
and what to do, with exit 2 (input the user can fix) or 1 (everything else); never a traceback.
``PREFTREE_DEBUG=1`` shows the traceback. Each case here printed a traceback before."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preftree import load_pairs
from preftree.cli import cli
from preftree.errors import PreftreeError

PAIR = {"id": "a", "prompt": "p", "response_1": "x", "response_2": "yy", "label": 1}


def invoke(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), env=env)


def assert_clean_error(result, code: int, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(error_lines) == 1, result.output
    for fragment in fragments:
        assert fragment in error_lines[0], error_lines[0]


def _lines(records: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


@pytest.mark.parametrize("name, content, fragments", [
    ("bad.jsonl", b'{"id": "a", "prompt": "caf\xe9"}\n', ["bad.jsonl:1:", "UTF-8"]),
    ("deep.jsonl", b"[" * 100_000 + b"\n", ["deep.jsonl:1:", "invalid JSON"]),
    ("list.json", b'{"not": "a list"}', ["list.json", "JSON list of objects"]),
    ("quote.csv", b'id,prompt,response_1,response_2\n"a,p,x,y\n', ["quote.csv"]),
    ("empty.csv", b"", ["empty.csv", "empty"]),
    ("broken.jsonl.gz", b"\x1f\x8b\x08not gzip at all", ["broken.jsonl.gz", "decompress"]),
    ("junk.parquet", b"PAR1 definitely not parquet", ["junk.parquet", "Parquet"]),
    ("pairs.txt", b"hello", ["pairs.txt", "unsupported file type"]),
    ("prompt.jsonl", _lines([{**PAIR, "prompt": {"x": 5}, "label": 2}]),
     ["prompt.jsonl", "every row was skipped: 'prompt' must be"]),
])
def test_unreadable_pairs_files(tmp_path: Path, name: str, content: bytes, fragments: list[str]) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = invoke("explain", "--pairs", str(path), "--out", str(tmp_path / "out"))
    assert_clean_error(result, 2, *fragments)
    assert not (tmp_path / "out").exists()


def test_a_folder_as_pairs_and_a_missing_file(tmp_path: Path) -> None:
    assert_clean_error(invoke("explain", "--pairs", str(tmp_path), "--out", str(tmp_path / "o")),
                       2, "is a folder")
    assert_clean_error(invoke("explain", "--pairs", str(tmp_path / "nope.jsonl"), "--out",
                              str(tmp_path / "o")), 2, "nope.jsonl", "no such file")


def test_too_few_pairs_and_a_single_class(tmp_path: Path) -> None:
    one = tmp_path / "one.jsonl"
    one.write_bytes(_lines([PAIR]))
    result = invoke("explain", "--pairs", str(one), "--label-format", "signed", "--out",
                    str(tmp_path / "o"))
    assert_clean_error(result, 2, "prefers response_2")
    few = tmp_path / "few.jsonl"
    few.write_bytes(_lines([{**PAIR, "id": str(i), "label": (-1) ** i} for i in range(4)]))
    result = invoke("explain", "--pairs", str(few), "--label-format", "signed", "--out",
                    str(tmp_path / "o"))
    assert_clean_error(result, 2, "only 4 pairs", "5-fold")


@pytest.mark.parametrize("option", [["--jobs", "0"], ["--jobs", "-5"], ["--max-depth", "0"],
                                    ["--cv", "1"]])
def test_out_of_range_options(tmp_path: Path, small_pairs_file: Path, option: list[str]) -> None:
    result = invoke("explain", "--pairs", str(small_pairs_file), "--out", str(tmp_path / "o"), *option)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"Invalid value for '{option[0]}'" in result.output


@pytest.mark.parametrize("opener, suffix", [(gzip.open, ".gz"), (bz2.open, ".bz2"), (lzma.open, ".xz")])
def test_compressed_inputs_are_read(tmp_path: Path, small_pairs_file: Path, opener, suffix: str) -> None:  # type: ignore[no-untyped-def]
    packed = tmp_path / f"pairs.jsonl{suffix}"
    with opener(packed, "wb") as handle:
        handle.write(small_pairs_file.read_bytes())
    plain, unpacked = load_pairs(small_pairs_file), load_pairs(packed)
    assert [(p.id, p.response_2, p.label) for p in plain] == \
        [(p.id, p.response_2, p.label) for p in unpacked]


def test_a_bug_is_one_line_and_preftree_debug_shows_the_traceback(
        tmp_path: Path, small_pairs_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Test double: an internal failure that no real input can trigger on purpose.
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr("preftree.explanation.explain", broken)
    args = ["explain", "--pairs", str(small_pairs_file), "--out", str(tmp_path / "o")]
    result = invoke(*args)
    assert_clean_error(result, 1, "unexpected ZeroDivisionError: simulated bug", "PREFTREE_DEBUG=1")
    debug = invoke(*args, env={"PREFTREE_DEBUG": "1"})
    assert isinstance(debug.exception, ZeroDivisionError)


JUDGE_CELLS = st.one_of(st.none(), st.integers(-5, 5), st.floats(allow_nan=True),
                        st.text(max_size=5), st.lists(st.integers(), max_size=2))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.dictionaries(
    st.sampled_from(["id", "prompt", "response_1", "response_2", "label", "index", "preference",
                     "preference_orig_order", "model"]), JUDGE_CELLS, max_size=9), max_size=4),
    suffix=st.sampled_from([".jsonl", ".json", ".csv"]))
def test_fuzzed_files_give_preftree_errors_only(tmp_path: Path, records: list[dict], suffix: str) -> None:
    """Whatever the rows hold, the loaders either load or raise a PreftreeError naming the file."""
    from preftree import load_judgments

    path = tmp_path / f"fuzz{suffix}"
    if suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    elif suffix == ".json":
        path.write_text(json.dumps(records))
    else:
        import pandas as pd

        pd.DataFrame(records).to_csv(path, index=False)
    for loader in (load_pairs, load_judgments):
        try:
            loader(path)
        except PreftreeError as exc:
            assert str(path) in str(exc) or "--label-format" in str(exc) or "judge name" in str(exc)


@pytest.mark.parametrize(("args", "fragment"), [
    (["--min-leaf", "nan"], "not a finite number"),
    (["--min-leaf", "inf"], "not a finite number"),
    (["--seed", "-1"], "--seed"),
    (["--jobs", "100000"], "thread count for this machine"),
])
def test_bad_numbers_are_usage_errors_not_bugs(tmp_path: Path, args: list[str], fragment: str) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(_lines([PAIR]))
    result = invoke("explain", "--pairs", str(path), "--out", str(tmp_path / "e"), *args)
    assert result.exit_code == 2 and fragment in result.output and "bug" not in result.output, \
        result.output


@pytest.mark.parametrize("args", [["--cpus-per-replica", "nan"], ["--gpus-per-replica", "inf"]])
def test_ray_sizes_must_be_finite(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(_lines([PAIR]))
    result = invoke("score", "--model", "m", "--pairs", str(path), "--engine", "ray", *args,
                    "--out", str(tmp_path / "s.csv"))
    assert result.exit_code == 2 and "not a finite number" in result.output


def test_the_api_refuses_what_the_cli_refuses() -> None:
    from preftree import ExplainConfig, PreferenceTree
    from preftree.errors import ConfigError

    with pytest.raises(ConfigError, match="min_leaf"):
        ExplainConfig(min_leaf=float("nan"))
    with pytest.raises(ConfigError, match="seed"):
        ExplainConfig(seed=-1)
    with pytest.raises(ConfigError, match="min_samples_leaf"):
        PreferenceTree(min_samples_leaf=float("nan")).fit([[0.0], [1.0]], [-1, 1])
    with pytest.raises(ConfigError, match="random_state"):
        PreferenceTree(random_state=-1).fit([[0.0], [1.0]], [-1, 1])


def test_a_judge_named_like_an_output_file(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    rows = [{**PAIR, "id": str(i), "response_2": "y" * (i % 5 + 1), "label": 1 if i % 2 else -1}
            for i in range(30)]
    path.write_bytes(_lines(rows))
    judges = tmp_path / "summary.json.csv"
    judges.write_text("index,model,preference\n" + "".join(
        f"{i},summary.json,{1 if i % 3 else -1}\n" for i in range(30)))
    result = invoke("explain", "--pairs", str(path), "--judge", str(judges), "--explain-label",
                    "--cv", "2", "--resamples", "2", "--out", str(tmp_path / "e"), "--quiet")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "e" / "summary.json").is_file()
    assert (tmp_path / "e" / "judge-summary.json" / "summary.json").is_file()


def test_the_untrusted_pickle_error_names_the_given_file(tmp_path: Path) -> None:
    from preftree.errors import UntrustedPickleError
    from preftree.model import DecisionTreeRewardModel

    folder = tmp_path / "model-folder"
    folder.mkdir()
    (folder / "my_tree.pkl").write_bytes(b"not opened")
    model = DecisionTreeRewardModel.__new__(DecisionTreeRewardModel)
    with pytest.raises(UntrustedPickleError, match="model-folder/my_tree.pkl"):
        model.load_decision_tree(folder, "my_tree.pkl")
    with pytest.raises(UntrustedPickleError, match="org/repo:decision_tree.pkl"):
        model.load_decision_tree("org/repo")


def test_train_head_says_it_runs_in_this_process(tmp_path: Path) -> None:
    result = invoke("train-head", "--model", "m", "--data", "nvidia/HelpSteer2", "--engine", "ray",
                    "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "--engine ray is for scoring" in result.output
