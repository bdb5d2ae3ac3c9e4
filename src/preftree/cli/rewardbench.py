"""``preftree rewardbench`` and ``preftree leaderboard``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._judging import (
    JUDGE_OPTION_NAMES,
    judge_backend,
    judge_options,
    judge_prompt,
    model_judge,
)
from ._options import (
    SEED,
    F,
    RegistryChoice,
    build_scorer_options,
    echo,
    quiet_option,
    replace_option,
    revision_option,
    scoring_options,
)
from .compare import tree_options


def judging_options(function: F) -> F:
    """The judge options, with the generative defaults: MT-Bench's prompt, room to reason."""
    return judge_options(function, default_template="mt-bench", max_tokens=1024, base_url=False)

__all__ = ["leaderboard", "rewardbench"]

benchmark_option = click.option(
    "--benchmark", default="rewardbench", show_default=True, type=click.Choice(["rewardbench", "rm-bench"]),
    help="RewardBench, or RM-Bench (THU-KEG: chosen × rejected answers in three styles, hard / normal / "
         "easy accuracy per domain).")
benchmark_version_option = click.option(
    "--benchmark-version", "benchmark_version", default="1", show_default=True,
    type=click.Choice(["1", "2"]), help="RewardBench (1) or RewardBench 2.")


@click.command()
@click.option("--model", help="The reward model: a Hub id or a local checkpoint folder (with --tree, a "
                             "decision-tree reward model).")
@click.option("--judge-model", help="An LLM judge instead (a generative pairwise judge): a model name at "
                                    "the endpoint, or a local model (hf); run by --judge-backend.")
@revision_option
@scoring_options
@benchmark_option
@benchmark_version_option
@click.option("--data", help="Local file in the Hub schema (default: allenai/reward-bench, split "
                             "filtered; allenai/reward-bench-2, split test). RM-Bench: its files as "
                             "published (total_dataset.json or chat_filtered.json, …), a folder of them "
                             "or a URI (default: THU-KEG/RM-Bench).")
@click.option("--prior-sets", help="Also score the prior sets: allenai/preference-test-sets or a file.")
@tree_options
@click.option("--attribute", help="For a multi-output model without a tree: the output to rank by.")
@judging_options
@click.option("--judge-backend", "judge_backend_name", type=RegistryChoice("judge backend"),
              help="Backend of the LLM judge: openai (an OpenAI-compatible endpoint at --base-url; the "
                   "default with --judge-model), hf (a local causal LM), or a plug-in's.")
@click.option("--resamples", default=1000, show_default=True, type=click.IntRange(min=0, max=100_000),
              help="Bootstrap resamples of the pairs for the 95% intervals (0 = none).")
@click.option("--seed", default=0, show_default=True, type=SEED,
              help="Random seed of the bootstrap resamples and of a generative judge's one random "
                   "presentation order per pair (allenai's accounting).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Results JSON.")
@quiet_option
@replace_option
def rewardbench(model: str | None, judge_model: str | None, benchmark: str, benchmark_version: str, data: str | None,
                prior_sets: str | None,
                tree_path: str | None, tree_filename: str, trust_pickle: bool, tree_labels: str,
                attribute: str | None,
                judge_backend_name: str | None, resamples: int, seed: int, out: Path, quiet: bool,
                **options: Any) -> None:
    """Score a reward model, a decision-tree reward model or a generative judge on RewardBench
    (1 or 2) or RM-Bench."""
    from ..rewardbench.api import rewardbench as run_rewardbench

    if model is not None and judge_model is None and judge_backend_name is not None:
        echo(f"note: with --judge-backend the LLM judge is --judge-model; reading --model {model} as "
             "--judge-model (this spelling works until the next release)", err=True)
        model, judge_model = None, model
    if (model is None) == (judge_model is None):
        raise click.UsageError("give --model (a reward model) or --judge-model (an LLM judge), one of them")
    if judge_model is not None:
        judge_backend_name = judge_backend_name or "openai"
        model = judge_model
    assert model is not None
    version = int(benchmark_version)
    if benchmark == "rm-bench" and prior_sets is not None:
        raise click.UsageError("--prior-sets belongs to RewardBench 1, not RM-Bench")
    if benchmark == "rm-bench" and click.get_current_context().get_parameter_source(
            "benchmark_version") != click.core.ParameterSource.DEFAULT:
        raise click.UsageError("--benchmark-version belongs to RewardBench; RM-Bench has one version")
    if version == 2 and prior_sets is not None:
        raise click.UsageError("--prior-sets belongs to RewardBench 1 (--benchmark-version 1)")
    judge_settings = {k: options.pop(k) for k in JUDGE_OPTION_NAMES}
    backend = judge_backend_name
    if backend is not None:  # a generative judge: the scoring engine's options do not apply
        judge_settings["base_url"] = options["base_url"] or "https://api.openai.com/v1"
    if backend is not None and (tree_path is not None or attribute is not None):
        raise click.UsageError("--judge-backend runs a generative judge: --tree and --attribute do "
                               "not apply")
    from .._io import check_output_file

    inputs = (model, tree_path, options.get("cache_path"))
    from ..rewardbench.rmbench_data import rm_bench_inputs

    data_files = rm_bench_inputs(data, out) if benchmark == "rm-bench" else []
    check_output_file(out, [data, prior_sets, *inputs, *data_files])
    settings = build_scorer_options(quiet=quiet, **options)
    scoring = settings.options
    if backend is not None:
        from ..judges.llm import LLMJudge
        from ..scoring.catalogue import catalogue_entry

        entry = catalogue_entry(model) or {}
        source = click.get_current_context().get_parameter_source("judge_template")
        if entry.get("settings", {}).get("judge_template") and source == click.core.ParameterSource.DEFAULT:
            judge_settings["judge_template"] = entry["settings"]["judge_template"]  # the model's own
        prompt = judge_prompt(judge_settings["judge_template"], judge_settings["template"],
                              judge_settings["verdict_format"], judge_settings["system"])
        runner = judge_backend(backend, model, {**judge_settings, "dtype": scoring.dtype,
                                                "device": scoring.device,
                                                "chat_template": scoring.chat_template})
        judge: Any = LLMJudge(runner, judge_settings["judge_name"] or model, prompt=prompt,
                              progress=not quiet)
    else:
        judge = model_judge(model, settings, tree_path=tree_path, tree_filename=tree_filename,
                            trust_pickle=trust_pickle, tree_labels=tree_labels, attribute=attribute,
                            quiet=quiet)
    result = run_rewardbench(judge, benchmark=benchmark, version=version, data=data, prior_sets=prior_sets,
                             resamples=resamples, seed=seed, out=out, inputs=inputs)
    if benchmark == "rm-bench":
        if not quiet:
            from ..rewardbench.rmbench_text import rm_bench_lines

            for line in rm_bench_lines(result):
                echo(line)
            echo(f"wrote {out}")
        for warning in result.get("warnings", []):
            echo(f"WARNING: {warning}", err=True)
        return
    sections = result["sections"] if version == 1 else {s: 100 * result[s] for s in result["n_examples"]}
    if quiet:
        return
    for name, value in [*sections.items(), ("Score", result["score"])]:
        interval = result["intervals"].get(name)
        band = f"  [{interval[0]:.1f}, {interval[1]:.1f}]" if interval else ""
        echo(f"{name:<12}{value:6.1f}{band}")
    if "both_orders" in result:
        echo(f"{'both orders':<12}{result['both_orders']['score']:6.1f}  (mean of the two "
                   "orders; the rows above use allenai's one-random-order accounting)")
    if result["partial"] or result["absent"]:
        echo(f"partial: {result['partial'] or {}}; absent: {result['absent']}")
    if "verdicts" in result:
        counts = result["verdicts"]
        echo(f"answers counted: {counts['chosen']} chosen, {counts['rejected']} rejected, "
                   f"{counts['tie']} ties, {counts['unparsable']} unparsable, {counts['empty']} "
                   "empty (each tie, unparsable or empty answer scores 0.5)")
    for warning in result.get("warnings", []):
        echo(f"WARNING: {warning}", err=True)
    echo(f"ties: {result['n_ties']}; wrote {out}")


@click.command()
@click.option("--results", "results", multiple=True, type=click.Path(path_type=Path),
              help="Results file or folder (repeatable); or `preftree winrate` files (winrate.json) "
                   "for a win-rate leaderboard.")
@click.option("--published", default="seed", show_default=True,
              help="'seed' (shipped: the January 2025 top 12), a CSV of published figures (for win "
                   "rates: AlpacaEval's leaderboard CSV; for RM-Bench: the README.md of "
                   "THU-KEG/RM-Bench-Leaderboard as published), or 'none'.")
@benchmark_option
@benchmark_version_option
@click.option("--format", "fmt", default="md", show_default=True,
              type=click.Choice(["md", "csv", "html"]), help="Output format.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here (else stdout).")
@replace_option
def leaderboard(results: tuple[Path, ...], published: str, benchmark: str, benchmark_version: str, fmt: str,
                out: Path | None) -> None:
    """Rank local results with published figures by Score (RewardBench), by Overall (RM-Bench,
    with the same models' RewardBench scores beside), or `preftree winrate` files by
    length-controlled win rate."""
    from .._io import atomic_write_text, check_output_file
    from ..rewardbench import build_leaderboard, load_published, load_results, render
    from ..winrate.board import is_winrate_file

    kinds = {is_winrate_file(path) for path in results}
    if out is not None:
        from ..winrate.document import sibling_files

        partners = [f for path in results for f in sibling_files(path)] if True in kinds else []
        folders = [Path(path) for path in results if Path(path).is_dir()]
        read = [f for folder in folders for f in folder.glob("*.json")]  # a folder's results are inputs too
        if out.suffix.lower() == ".json" and any(out.absolute().parent == f.absolute() for f in folders):
            raise click.UsageError(f"{out} is inside a --results folder, where the next board would read it as "
                                   "a result; write it elsewhere")
        check_output_file(out, [*results, *partners, *read, published])
    if benchmark == "rm-bench":
        if True in kinds:
            raise click.UsageError("--benchmark rm-bench ranks RM-Bench results, not `preftree winrate` files")
        text = _rm_bench_board(results, published, fmt)
    elif kinds == {True}:
        text = _winrate_board(results, published, fmt)
    elif True in kinds:
        raise click.UsageError("--results mixes `preftree winrate` files with RewardBench results; "
                               "give one kind")
    else:
        number = int(benchmark_version)
        local = load_results(results, number)
        extra = [] if published == "none" else [load_published(published, number)]
        text = render(build_leaderboard(local, extra, number), fmt)
    if out is None:
        echo(text, nl=False)
    else:
        atomic_write_text(out, text)


def _winrate_board(results: tuple[Path, ...], published: str, fmt: str) -> str:
    from .._markup import plain_line
    from ..rewardbench import render
    from ..winrate.board import load_published_winrates, winrate_board
    from ..winrate.document import format_warnings, load_winrate

    documents = [(Path(path), load_winrate(path)) for path in results]
    figures = None if published in ("seed", "none") else load_published_winrates(published)
    board = winrate_board(documents, figures)
    for path, document in documents:  # what a reader of the board must know: shared terms, ranks
        shared = {**document, "warnings": [w for w in document.get("warnings", []) if w["model"].startswith("(all")]}
        for line in format_warnings(shared):
            echo(plain_line(f"{path.name}: {line}"), err=True)
    if board.attrs.get("note"):
        echo(f"note: {board.attrs['note']}", err=True)
    return render(board, fmt, title="Win-rate leaderboard")


def _rm_bench_board(results: tuple[Path, ...], published: str, fmt: str) -> str:
    from ..rewardbench import load_results, render
    from ..rewardbench.leaderboard import model_key
    from ..rewardbench.rmbench_board import (
        build_rm_bench_board,
        load_rm_bench_published,
        rm_bench_rows,
        split_documents,
    )

    documents, others = split_documents(results)
    scores = {}
    for version, files in others.items():
        if files:
            board = load_results(files, version)
            scores[version] = {model_key(m): s for m, s in zip(board["model"], board["Score"])}
    if published == "seed":
        echo("note: no published RM-Bench rows are shipped; pass --published with the README.md of "
             "THU-KEG/RM-Bench-Leaderboard to rank beside them", err=True)
    extra = [] if published in ("seed", "none") else [load_rm_bench_published(published)]
    board = build_rm_bench_board(rm_bench_rows(documents), extra, scores)
    return render(board, fmt, title="RM-Bench leaderboard")
