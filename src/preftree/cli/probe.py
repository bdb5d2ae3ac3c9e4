"""``preftree probe``: edit responses and measure how often each edit flips a judge's verdict."""

from __future__ import annotations

import sys
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
    FiniteFloatRange,
    RegistryChoice,
    build_scorer_options,
    echo,
    force_option,
    pairs_options,
    quiet_option,
    scoring_options,
)
from .compare import tree_options

__all__ = ["probe"]


def probe_judge_options(function: F) -> F:
    """The judge options; ``--base-url`` is the scoring options' (the endpoint of both)."""
    return judge_options(function, base_url=False)


@click.command()
@pairs_options
@click.option("--probe", "probe_names", multiple=True,
              help="A probe to run (repeat): length, markdown, plain, authority, confidence, "
                   "sycophancy, order, same, or a plug-in's (entry point preftree.probes). "
                   "Default: every built-in probe.")
@click.option("--probe-file", "probe_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help='JSON rules {"probes": [{"name": ..., "prefix"/"suffix": TEXT, "replace": '
                   '[{"find": TEXT, "with": TEXT}]}]} (literal text; repeatable).')
@click.option("--length-margin", default=0.2, show_default=True, type=FiniteFloatRange(min=0, max=10),
              help="length: how much longer than the other response the edited one becomes.")
@click.option("--seed", default=0, show_default=True, type=SEED,
              help="Seed of the probes' random choices (which filler sentences).")
@click.option("--judge-model", "judge_models", multiple=True,
              help="An LLM judge to probe (repeat for several), asked in both orders like "
                   "`preftree judge`; its endpoint and prompt come from the judge options.")
@click.option("--judge-backend", "judge_backend_name", default="openai", show_default=True,
              type=RegistryChoice("judge backend"), help="Backend of --judge-model.")
@probe_judge_options
@click.option("--model", help="A reward model to probe (the higher score wins), or with --tree a "
                              "decision-tree reward model; every scoring option applies.")
@click.option("--revision", help="Hub revision of --model.")
@scoring_options
@tree_options
@click.option("--attribute", help="For a multi-output --model without a tree: the output to rank by.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder: probe.json, edited_pairs.jsonl, verdicts.csv, judge_files/.")
@quiet_option
@force_option
def probe(pairs_path: Path | None, mapping: str | None, pairs_format: str, probe_names: tuple[str, ...],
          probe_files: tuple[Path, ...], length_margin: float, seed: int, judge_models: tuple[str, ...],
          judge_backend_name: str, model: str | None, tree_path: str | None, tree_filename: str,
          trust_pickle: bool, tree_labels: str, attribute: str | None, out: Path, quiet: bool,
          force: bool = False, **options: Any) -> None:
    """Edit each pair's responses (longer, markdown, a fabricated citation, the other order, ...)
    and measure how often each edit flips the judge's verdict, against a null edit.

    Each text probe edits the response the judge did not prefer ("can this edit win the pair?")
    and, apart, the one it preferred ("can it lose it?"). Exits 1 when API errors left edited
    pairs without a verdict (the same command again asks only those).
    """
    from ..data import load_pairs, parse_mapping
    from ..judges.llm import LLMJudge
    from ..probes.api import probe as run_probe
    from ..probes.catalogue import available, resolve_probes

    if pairs_path is None:
        raise click.UsageError("give --pairs FILE")
    if not judge_models and model is None:
        raise click.UsageError("give a judge: --judge-model NAME (an LLM judge) and/or --model "
                               "NAME (a reward model; with --tree a decision-tree reward model)")
    unknown = sorted(set(probe_names) - set(available()))
    if unknown:
        raise click.UsageError(f"unknown probe {unknown[0]!r}; available: {', '.join(available())}")
    judge_settings = {k: options.pop(k) for k in JUDGE_OPTION_NAMES}
    resolve_probes(probe_names, probe_files, length_margin=length_margin)  # bad probe files fail before any work
    pairs = load_pairs(pairs_path, mapping=parse_mapping(mapping), use_labels=False,
                       pairs_format=pairs_format)
    settings = build_scorer_options(quiet=quiet, revision=options.pop("revision", None), **options) \
        if model is not None else None
    judges: list[Any] = []
    if judge_models:
        prompt = judge_prompt(judge_settings["judge_template"], judge_settings["template"],
                              judge_settings["verdict_format"], judge_settings["system"])
        for name in judge_models:
            runner = judge_backend(judge_backend_name, name, {
                **judge_settings, "base_url": options.get("base_url") or "https://api.openai.com/v1",
                "dtype": options.get("dtype"), "device": options.get("device"),
                "chat_template": options.get("chat_template")})
            display = judge_settings["judge_name"] if len(judge_models) == 1 and judge_settings["judge_name"] else name
            judges.append(LLMJudge(runner, display, prompt=prompt, folder=out, journal=out,
                                        progress=not quiet))
    if model is not None:
        judges.append(model_judge(model, settings, tree_path=tree_path, tree_filename=tree_filename,
                                  trust_pickle=trust_pickle, tree_labels=tree_labels,
                                  attribute=attribute, quiet=quiet))
    inputs = [model, tree_path, options.get("cache_path"), options.get("chat_template"),
              judge_settings["template"]]
    results = run_probe(pairs, judges, probe_names, probe_files=probe_files, length_margin=length_margin,
                        seed=seed, out=out, force=force, inputs=inputs)
    if not quiet:
        from ..probes.text import format_records

        echo(format_records([record for r in results for record in r.records]))
        echo(f"wrote {out}")
    unread = [j.name for j in judges if getattr(j, "answers", 0) and j.unparsable >= j.answers]
    if unread:
        echo(f"Error: no verdict could be read from any answer of {', '.join(unread)} (see "
                   f"{out}/judge_files): the judge answers in another format; check --verdict-format "
                   "and --judge-template", err=True)
        sys.exit(1)
    api_errors = sum(getattr(j, "api_errors", 0) for j in judges)
    if api_errors:
        echo(f"Error: {api_errors} pairs have no verdict because of API errors (see "
                   f"{out}/judge_files); run the same command again to ask only those", err=True)
        sys.exit(1)
