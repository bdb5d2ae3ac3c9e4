"""RM-Bench files of the wrong shape are refused with the file, the record and what was expected;
the published leaderboard page loads as published; leaderboard and report show RM-Bench beside
RewardBench and the published rows; the layout reads the nine pairs per prompt for explain."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from preftree import load_pairs
from preftree.cli import cli
from preftree.errors import InputError
from preftree.rewardbench.rmbench_board import load_rm_bench_published
from preftree.rewardbench.rmbench_data import load_rm_bench

from .rmbench_fixtures import PUBLISHED_README, rm_bench_row, rm_bench_rows, write_per_domain

WORDS = [f"w{i}" for i in range(40)]


def _write(path: Path, rows: list) -> Path:
    path.write_text(json.dumps(rows, indent=4))
    return path


def _row(**change: object) -> dict:
    row = rm_bench_row("chat", 8, WORDS)
    row.update(change)
    return {k: v for k, v in row.items() if v is not None}


@pytest.mark.parametrize(("change", "message"), [
    ({"chosen": ["a", "b"]}, "'chosen' holds 2 responses; RM-Bench rows have three"),
    ({"rejected": ["a", "b", "c", "d"]}, "'rejected' holds 4 responses"),
    ({"rejected": None}, "'rejected' is missing"),
    ({"chosen": ["a", 7, "c"]}, "the detailed_plain response in 'chosen' is int"),
    ({"chosen": "one text"}, "'chosen' is str; RM-Bench rows have a list of three"),
    ({"prompt": None}, "'prompt' is missing"),
    ({"domain": "finance"}, "domain 'finance'; RM-Bench's domains are chat, code"),
])
def test_rows_of_another_shape_are_refused_with_their_record(tmp_path: Path, change: dict, message: str) -> None:
    path = _write(tmp_path / "chat_filtered.json", [_row(id=1), _row(id=2, **change)])
    with pytest.raises(InputError) as error:
        load_rm_bench(path)
    assert f"{path}: record 2 (id 2): " in str(error.value) and message in str(error.value)


def test_a_10_mb_response_duplicate_ids_and_empty_files(tmp_path: Path) -> None:
    big = _write(tmp_path / "chat_filtered.json", [_row(chosen=["a", "b" * 10_000_000, "c"])])
    with pytest.raises(InputError, match=r"record 1 \(id 8\): the detailed_plain response in 'chosen' has "
                                         r"10,000,000 characters; preftree reads responses up to 1,000,000"):
        load_rm_bench(big)
    twice = _write(tmp_path / "code_filtered.json", [_row(), _row()])
    with pytest.raises(InputError, match=r"record 2 \(id 8\): id 8 appears again \(first at record 1\) in domain code"):
        load_rm_bench(twice)
    empty = _write(tmp_path / "math_filtered.json", [])
    with pytest.raises(InputError, match="no RM-Bench rows"):
        load_rm_bench(empty)
    (tmp_path / "zero.json").write_bytes(b"")
    with pytest.raises(InputError, match="zero.json"):
        load_rm_bench(tmp_path / "zero.json")
    with pytest.raises(InputError, match="no 'domain'; rows of total_dataset.json name their domain"):
        load_rm_bench(_write(tmp_path / "mine.json", [_row()]))
    with pytest.raises(InputError, match="domain 'code' in a file named for 'chat'; which is meant"):
        load_rm_bench(_write(tmp_path / "chat_filtered.json", [_row(domain="code")]))
    folder = write_per_domain(tmp_path / "both", rm_bench_rows(WORDS, {"chat": 2}))
    _write(folder / "total_dataset.json", [_row(domain="chat")])
    with pytest.raises(InputError, match="holds total_dataset.json and per-domain files"):
        load_rm_bench(folder)
    (tmp_path / "none").mkdir()
    _write(tmp_path / "none" / "results.json", [_row()])
    with pytest.raises(InputError, match="no RM-Bench file here; expected total_dataset.json or"):
        load_rm_bench(tmp_path / "none")


def test_an_output_never_replaces_or_becomes_a_data_file(tmp_path: Path) -> None:
    folder = write_per_domain(tmp_path / "d", rm_bench_rows(WORDS, {"chat": 2}))
    before = (folder / "chat_filtered.json").read_bytes()
    (tmp_path / "link").symlink_to(folder)
    for data, out in ((folder, folder / "chat_filtered.json"), (tmp_path / "link", folder / "chat_filtered.json"),
                      (folder, folder / "math_filtered.json"), (folder / "chat_filtered.json", tmp_path / "link" /
                                                                "chat_filtered.json")):
        run = CliRunner().invoke(cli, ["rewardbench", "--benchmark", "rm-bench", "--judge-model", "j", "--base-url",
                                       "http://127.0.0.1:9/v1", "--data", str(data), "--out", str(out), "--force"])
        assert run.exit_code == 2, run.output
        assert "is named as an RM-Bench data file" in run.output or "is one of this command's inputs" in run.output
    assert (folder / "chat_filtered.json").read_bytes() == before and not (folder / "math_filtered.json").exists()


def test_same_ids_in_two_domains_are_two_prompts_and_a_uri_reads(tmp_path: Path) -> None:
    fsspec = pytest.importorskip("fsspec")
    folder = write_per_domain(tmp_path / "d", rm_bench_rows(WORDS, {"chat": 2, "code": 2}))
    data = load_rm_bench(folder)
    assert [p.key for p in data.prompts] == ["chat/8", "chat/12", "code/8", "code/12"]
    with fsspec.open("memory://rm/code_filtered.json", "wb") as handle:
        handle.write((folder / "code_filtered.json").read_bytes())
    assert [p.key for p in load_rm_bench("memory://rm/code_filtered.json").prompts] == ["code/8", "code/12"]


def test_the_published_page_loads_as_published(tmp_path: Path) -> None:
    page = tmp_path / "README.md"
    page.write_text(PUBLISHED_README)
    rows = load_rm_bench_published(page)
    assert list(rows["model"]) == ["Skywork-Reward-Llama-3.1-8B", "internlm2-20b-reward", "Skywork-Reward-V2-Qwen3-4B"]
    first = rows.iloc[0]
    assert (first["Overall"], first["Hard"], first["Normal"], first["Easy"]) == (70.1, 46.6, 74.7, 89.0)
    assert rows.iloc[2]["Chat"] != rows.iloc[2]["Chat"]  # "-": not reported, blank
    assert set(rows["source"]) == {"published: README.md"}
    page.write_text(PUBLISHED_README.replace("| 46.6 |", "| 466 |"))
    with pytest.raises(InputError, match=r"README.md:8: Hard is '466'"):
        load_rm_bench_published(page)
    page.write_text("# nothing here\n")
    with pytest.raises(InputError, match="no RM-Bench leaderboard table"):
        load_rm_bench_published(page)


def _result(model: str, scale: float, domains: tuple[str, ...] = ("chat",), **extra: object) -> dict:
    """A results document whose figures agree: one matrix per domain, scaled."""
    from preftree.rewardbench.rmbench import difficulty_accuracies

    matrix = scale * np.array([[0.9, 0.4, 0.3], [0.95, 0.7, 0.5], [1.0, 0.9, 0.75]])
    figures = difficulty_accuracies(matrix)
    overall = {k: figures[k] for k in ("hard_acc", "normal_acc", "easy_acc")}
    return {"benchmark": "rm-bench", "model": model, "model_type": "Seq. Classifier", **overall,
            "total_avg_acc": figures["average"], **{d: figures["average"] for d in domains},
            "domains": {d: {"matrix": matrix.tolist(), **figures, "n_prompts": 10} for d in domains}, **extra}


def test_leaderboard_and_report_show_rm_bench_beside_rewardbench_and_published(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    (results / "sky.json").write_text(json.dumps(_result("Skywork/Skywork-Reward-Llama-3.1-8B", 1.0,
                                                         ("chat", "math", "code", "safety"))))
    (results / "odd.json").write_text(json.dumps(_result("<script>alert(1)</script>", 0.5)))  # chat only
    (results / "sky_rb.json").write_text(json.dumps({"model": "Skywork/Skywork-Reward-Llama-3.1-8B",
                                                     "rewardbench_version": 1, "score": 92.5,
                                                     "sections": {"Chat": 95.0}}))
    page = tmp_path / "README.md"
    page.write_text(PUBLISHED_README)
    runner = CliRunner()
    board = runner.invoke(cli, ["leaderboard", "--benchmark", "rm-bench", "--results", str(results),
                                "--published", str(page), "--format", "csv"])
    assert board.exit_code == 0, board.output
    lines = board.output.splitlines()
    assert lines[0] == ("rank,model,model_type,source,Overall,Chat,Math,Code,Safety,Easy,Normal,Hard,note,"
                        "Δ vs published,RewardBench")
    assert lines[2] == ("2,Skywork/Skywork-Reward-Llama-3.1-8B,Seq. Classifier,local,71.1111,71.1111,71.1111,71.1111,"
                        "71.1111,95.0,78.3333,40.0,,1.0111,92.5")  # ranked among the published rows
    assert lines[-1] == (",<script>alert(1)</script>,Seq. Classifier,local,35.5556,35.5556,,,,47.5,39.1667,20.0,"
                         "\"partial (without math, code, safety): not ranked\",,")  # last, no rank, no Δ
    assert any(",published: README.md,70.1," in line for line in lines)
    rewardbench = runner.invoke(cli, ["leaderboard", "--results", str(results), "--published", "none"])
    assert rewardbench.exit_code == 0, rewardbench.output  # the folder's RM-Bench files are left to their board
    assert "92.5" in rewardbench.output and "<script>" not in rewardbench.output

    html = tmp_path / "rm.html"
    made = runner.invoke(cli, ["report", str(results / "sky.json"), str(results / "odd.json"), "--published",
                               str(page), "--out", str(html)])
    assert made.exit_code == 0, made.output
    text = html.read_text()
    assert text.count('<svg class="rmbench"') == 5  # four domains, one and "&lt;script&gt;" in text and "<script>" not in text
    assert "Published (RM-Bench leaderboard, not run here): Overall 70.1" in text
    markdown = tmp_path / "rm.md"
    assert runner.invoke(cli, ["report", str(results / "sky.json"), "--out", str(markdown)]).exit_code == 0
    assert "| concise | 90.0 | 40.0 | 30.0 |" in markdown.read_text()
    mixed = runner.invoke(cli, ["report", str(results / "sky.json"), str(results / "sky_rb.json"), "--out",
                                str(tmp_path / "x.html")])
    assert mixed.exit_code == 2 and "not an RM-Bench results file" in mixed.output


def test_the_layout_reads_nine_pairs_and_explain_uses_the_diagonal(tmp_path: Path) -> None:
    rows = rm_bench_rows(WORDS, {"chat": 30})
    data = write_per_domain(tmp_path / "d", rows) / "chat_filtered.json"
    pairs = load_pairs(data)  # detected, not confused with chosen/rejected strings
    assert pairs.pairs_format == "rm-bench" and len(pairs) == 270
    pair = pairs["chat/8/concise-vs-markdown"]
    assert pair.metadata["difficulty"] == "hard" and pair.metadata["domain"] == "chat"
    assert pair.metadata["chosen_style"] == "concise" and pair.metadata["rejected_style"] == "detailed_markdown"
    chosen = rows["chat"][0]["chosen"][0]
    assert (pair.response_1 if pair.label == -1 else pair.response_2) == chosen
    assert {p.label for p in pairs} == {-1, 1}  # the coin places the chosen answer on both sides

    out = tmp_path / "explained"
    run = CliRunner().invoke(cli, ["explain", "--pairs", str(data), "--pairs-format", "rm-bench", "--out", str(out),
                                   "--resamples", "5", "--cv", "2"])
    assert run.exit_code == 0, run.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["reading"]["view"].startswith("RM-Bench: the 90 style-matched pairs (the diagonal, 3 of 9")
    assert "style-matched pairs" in run.output
    grouped = tmp_path / "grouped"
    run = CliRunner().invoke(cli, ["explain", "--pairs", str(data), "--out", str(grouped), "--resamples", "5",
                                   "--cv", "2", "--by", "difficulty", "--min-group", "20"])
    assert run.exit_code == 0, run.output
    assert json.loads((grouped / "summary.json").read_text())["reading"]["view"] is None
    assert "-- by difficulty" in run.output


def test_map_takes_one_element_of_a_list_column(tmp_path: Path) -> None:
    rows = rm_bench_rows(WORDS, {"chat": 3})["chat"]
    rows[2]["chosen"] = ["only one"]
    data = _write(tmp_path / "lists.json", rows)
    pairs = load_pairs(data, pairs_format="preftree", mapping={"response_1": "chosen[0]", "response_2": "rejected[-1]"})
    assert [p.response_2 for p in pairs] == [r["rejected"][2] for r in rows]
    assert pairs[pairs.ids[0]].response_1 == rows[0]["chosen"][0]
    pairs = load_pairs(data, pairs_format="preftree", mapping={"response_1": "chosen[1]", "response_2": "rejected[1]"})
    assert len(pairs) == 2 and pairs.skipped[0].line == 3  # no second element: skipped with its record


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace("|:-----------|", "| x |", 1), "README.md:7: expected the table's --- line under its header"),
    (lambda t: t.replace("| Hard   |", "| Overall |", 1), "README.md:6: the table names the column 'Overall' twice"),
    (lambda t: t.replace("[internlm2-20b-reward](https://huggingface.co/internlm/internlm2-20b-reward)", " "),
     "README.md:9: a row without a model name"),
    (lambda t: "\n".join(line if not line.startswith("| [") else "" for line in t.splitlines()),
     "the leaderboard table has no rows"),
])
def test_published_tables_of_another_shape_are_refused(tmp_path: Path, change, message: str) -> None:
    page = tmp_path / "README.md"
    page.write_text(change(PUBLISHED_README))
    with pytest.raises(InputError) as error:
        load_rm_bench_published(page)
    assert message in str(error.value)


def test_published_shares_escaped_pipes_and_credentials(tmp_path: Path) -> None:
    page = tmp_path / "README.md"
    shares = PUBLISHED_README
    for number in ("69.5", "60.6", "54.5", "95.7", "89.0", "74.7", "46.6", "70.1", "63.1", "66.8", "56.7", "86.5",
                   "82.6", "71.6", "50.7", "68.3", "92.1", "84.7", "67.9", "81.6"):
        shares = shares.replace(f" {number} ", f" 0.{number.replace('.', '')[:2]} ")
    page.write_text(shares)
    with pytest.raises(InputError, match="shares rather than percentages"):
        load_rm_bench_published(page)
    page.write_text(PUBLISHED_README.replace("[internlm2-20b-reward]", "[intern\\|lm]"))
    assert "intern|lm" in list(load_rm_bench_published(page)["model"])
    secret = "https://user:S3CRET@example.com/README.md"
    for args in (["leaderboard", "--benchmark", "rm-bench", "--results", str(page), "--published", secret],
                 ["report", str(page), "--published", secret, "--out", str(tmp_path / "x.html")]):
        run = CliRunner().invoke(cli, args)
        assert run.exit_code == 2 and "S3CRET" not in run.output, run.output


def test_results_whose_figures_disagree_or_overflow_are_refused(tmp_path: Path) -> None:
    good = _result("m", 1.0)
    for name, broken in (("inconsistent", {**good, "total_avg_acc": 0.99}),
                         ("huge", {**good, "hard_acc": 10 ** 400}),
                         ("matrix", {**good, "domains": {"chat": {**good["domains"]["chat"], "matrix": [[1]]}}}),
                         ("domain", {**good, "domains": {"finance": good["domains"]["chat"]}})):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(broken))
        for args in (["leaderboard", "--benchmark", "rm-bench", "--results", str(path), "--published", "none"],
                     ["report", str(path), "--out", str(tmp_path / f"{name}.html")]):
            run = CliRunner().invoke(cli, args)
            assert run.exit_code == 2, (name, args[0], run.output)
            assert str(path) in run.output and not (tmp_path / f"{name}.html").exists()


def test_a_board_is_never_written_over_or_beside_the_results_it_reads(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    (results / "a.json").write_text(json.dumps(_result("m", 1.0)))
    for out in (results / "a.json", results / "board.json"):
        run = CliRunner().invoke(cli, ["leaderboard", "--benchmark", "rm-bench", "--results", str(results),
                                       "--published", "none", "--out", str(out), "--force"])
        assert run.exit_code == 2, run.output
    assert json.loads((results / "a.json").read_text())["model"] == "m" and not (results / "board.json").exists()


def test_a_folder_reads_compressed_files_and_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    import gzip
    import os

    folder = write_per_domain(tmp_path / "d", rm_bench_rows(WORDS, {"chat": 2, "code": 2}))
    code = folder / "code_filtered.json"
    (folder / "code_filtered.json.gz").write_bytes(gzip.compress(code.read_bytes()))
    code.unlink()
    assert [p.key for p in load_rm_bench(folder).prompts] == ["chat/8", "chat/12", "code/8", "code/12"]
    (folder / "code_filtered.json").write_bytes(b"[]")
    with pytest.raises(InputError, match="holds code_filtered.json and code_filtered.json.gz: the same prompts twice"):
        load_rm_bench(folder)
    (folder / "code_filtered.json").unlink()
    os.mkfifo(folder / "math_filtered.json")
    with pytest.raises(InputError, match="math_filtered.json: is not a regular file"):
        load_rm_bench(folder)


def test_explain_refuses_a_domain_the_file_name_contradicts(tmp_path: Path) -> None:
    rows = rm_bench_rows(WORDS, {"chat": 3})["chat"]
    rows[1]["domain"] = "code"
    rows[2]["domain"] = "\x1b[31mred"
    pairs = load_pairs(_write(tmp_path / "chat_filtered.json", rows))
    assert len(pairs) == 9 and [(s.line, s.reason[:50]) for s in pairs.skipped] == [
        (2, "domain 'code' in a file named for 'chat'; which is"), (3, "domain '\\x1b[31mred'; RM-Bench's domains are chat,")]
