"""``preftree annotate``: traits of every pair from an LLM annotator, both orders, resumable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._judging import JUDGE_OPTION_NAMES, judge_backend, judge_options
from ._options import RegistryChoice, echo, force_option, pairs_options, quiet_option

__all__ = ["annotate"]


def judge_options_without_prompts(function: Any) -> Any:
    """Every option of ``preftree judge`` but its prompts (annotate asks its own questions)."""
    return judge_options(function, max_tokens=512, judge_prompts=False)


@click.command()
@pairs_options
@click.option("--traits", "trait_spec", default="default", show_default=True,
              help="The traits to annotate: default (about 40, see the README) or a trait file (one per "
                   "line, or YAML/JSON with name and description).")
@click.option("--annotator-model", required=True,
              help="The LLM that annotates: a model name at the endpoint, or a local model (hf).")
@click.option("--judge-backend", "backend", default="openai", show_default=True,
              type=RegistryChoice("judge backend"),
              help="Backend of the annotator: openai (any chat-completions endpoint), hf (a local causal "
                   "LM), or a plug-in's.")
@judge_options_without_prompts
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Your own prompt template: {conversation}, {response_a}, {response_b} and {traits} (a "
                   "numbered list, answered '1: A' per line) or {trait} (one per request, [[A]]/[[B]]/[[C]]).")
@click.option("--traits-per-request", type=click.IntRange(min=1),
              help="Traits asked in one request (default: all); requests per pair = 2 x ceil(traits / K).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder: traits.parquet, annotated_pairs.json (AnnotatedPairs 2.0), traits.json.")
@quiet_option
@force_option
def annotate(pairs_path: Path | None, mapping: str | None, pairs_format: str, trait_spec: str,
             annotator_model: str, backend: str, template: Path | None, traits_per_request: int | None,
             out: Path, quiet: bool, force: bool, **options: Any) -> None:
    """Ask an LLM, for each pair and trait, which response shows the trait more (or neither), in
    both orders; the traits become features (`explain --features traits:OUT`).

    Exits 1 when API errors left answers missing (the folder is still written; the same command
    again asks only those).
    """
    import sys

    from ..data import load_pairs, parse_mapping
    from ..judges.api import annotate as run_annotate
    from ..judges.llm import LLMJudge
    from ..judges.trait_prompt import TraitPrompt

    if pairs_path is None:
        raise click.UsageError("give --pairs FILE")
    settings = {**{k: options.get(k) for k in JUDGE_OPTION_NAMES}, "base_url": options.get("base_url")}
    prompt = TraitPrompt.from_file(template, options.get("system")) if template is not None else \
        TraitPrompt(system=options.get("system"))
    pairs = load_pairs(pairs_path, mapping=parse_mapping(mapping), use_labels=True, pairs_format=pairs_format)
    annotator = LLMJudge(judge_backend(backend, annotator_model, settings), options.get("judge_name") or annotator_model,
                         progress=not quiet)
    run = run_annotate(pairs, annotator, trait_spec, out=out, prompt=prompt, traits_per_request=traits_per_request,
                       force=force, inputs=(template,))
    if not quiet:
        echo(f"{len(pairs)} pairs x {len(run.traits)} traits: {run.n_requests} requests ({run.n_asked} asked this "
             f"run, {run.n_reused} answers reused, {run.n_retried} asked again); unreadable answers "
             f"{run.n_unreadable}, inconsistent trait values {run.n_inconsistent}, API errors {run.n_api_errors}")
        echo(f"wrote {out}")
    answers = run.n_requests - run.n_api_errors
    if run.n_unreadable and run.n_unreadable >= answers:
        echo(f"Error: no answer of {annotator_model!r} could be read ({run.n_unreadable} unreadable, kept empty in "
             f"{out}): the annotator answers in another format; check --template and --max-tokens", err=True)
        sys.exit(1)
    if run.n_unreadable:
        echo(f"warning: {run.n_unreadable} of {answers} answers could not be read; their traits are empty (never "
             "guessed) and count as not applicable", err=True)
    if run.n_api_errors:
        echo(f"Error: {run.n_api_errors} requests failed (API errors); run the same command again to ask only "
             "those", err=True)
        sys.exit(1)
