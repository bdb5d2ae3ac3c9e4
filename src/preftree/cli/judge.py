"""``preftree judge``: pairwise verdicts from an LLM judge, both orders, resumable."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ._judging import judge_backend, judge_options, judge_prompt
from ._options import (
    RegistryChoice,
    dtype_option,
    echo,
    pairs_options,
    quiet_option,
    replace_option,
)
from ._renames import RenamingCommand, old_spelling

__all__ = ["judge"]


@click.command(cls=RenamingCommand, required=("model",))
@pairs_options
@click.option("--judge-model", "model", help="The LLM judge: a model name at the endpoint, or a local "
                                             "model (hf).  [required]")
@old_spelling("--model", "--judge-model", "model")
@click.option("--judge-backend", "backend", default="openai", show_default=True,
              type=RegistryChoice("judge backend"),
              help="Backend of the LLM judge: openai (any chat-completions endpoint), hf (a local "
                   "causal LM), or a plug-in's.")
@old_spelling("--backend", "--judge-backend", "backend", type=RegistryChoice("judge backend"))
@judge_options
@dtype_option
@click.option("--device", default="auto", show_default=True, help="hf backend: device.")
@click.option("--chat-template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="hf backend: chat template file for tokenizers without one.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Judge file (.csv, .jsonl or .parquet, by suffix); a hidden journal beside it "
                   "makes reruns resume.")
@quiet_option
@replace_option
def judge(pairs_path: Path | None, mapping: str | None, pairs_format: str, model: str, backend: str,
          out: Path, quiet: bool, **options: Any) -> None:
    """Ask a judge which response is better, in both orders; keep a verdict only if both agree.

    Exits 1 when pairs are left without a verdict because of API errors (the file is still
    written; the same command again retries only those).
    """
    from ..data import load_pairs, parse_mapping
    from ..data.files import check_table_output
    from ..judges.api import judge as run_judge
    from ..judges.llm import LLMJudge

    if pairs_path is None:
        raise click.UsageError("give --pairs FILE")
    check_table_output(out, [pairs_path, options.get("template"), options.get("chat_template"), model])
    pairs = load_pairs(pairs_path, mapping=parse_mapping(mapping), use_labels=False,
                       pairs_format=pairs_format)
    prompt = judge_prompt(options["judge_template"], options["template"], options["verdict_format"],
                          options["system"])
    llm = LLMJudge(judge_backend(backend, model, options), options["judge_name"] or model, prompt=prompt,
                   progress=not quiet)
    summary = run_judge(pairs, llm, out=out, progress=not quiet)
    if not quiet:
        consistency = "n/a" if summary.consistency is None else f"{summary.consistency:.1%}"
        first = "n/a" if summary.first_position_share is None else f"{summary.first_position_share:.1%}"
        echo(f"{summary.judge}: {summary.n_pairs} pairs ({summary.n_asked} requests this run, "
                   f"{summary.n_reused} answers reused); consistent under swap {consistency}; "
                   f"picks the first-shown response {first}")
        echo(f"  decided {summary.n_decided}, inconsistent {summary.n_inconsistent}, "
                   f"unparsable {summary.n_unparsable}, API errors {summary.n_api_errors}")
        echo(f"wrote {out}")
    if summary.n_api_errors:
        echo(f"Error: {summary.n_api_errors} of {summary.n_pairs} pairs have no verdict because "
                   f"of API errors (see the 'error' column of {out}); run the same command again "
                   "to retry only those", err=True)
        sys.exit(1)
