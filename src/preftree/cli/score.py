"""``preftree score``: per-response attribute scores from a reward model, cached and resumable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._options import (
    build_scorer_options,
    echo,
    model_option,
    pairs_options,
    quiet_option,
    replace_option,
    revision_option,
    scoring_options,
)

__all__ = ["score"]


@click.command()
@model_option
@revision_option
@scoring_options
@pairs_options
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Scores file: .parquet (metadata in the schema), .csv or .jsonl (+ .meta.json).")
@quiet_option
@replace_option
def score(model: str, pairs_path: Path | None, mapping: str | None,
          pairs_format: str, out: Path, quiet: bool,
          **options: Any) -> None:
    """Score both responses of every pair with a reward model.

    Writes one row per pair: id, <attr>_1, <attr>_2 for each output of the model. Each distinct
    (prompt, response) is scored once; scores are cached, so a rerun or a killed run picks up
    where it stopped.
    """
    from ..api import score as run_score
    from ..data import load_pairs, parse_mapping
    from ..scoring import load_scorer
    from ..scoring.pairs import check_scores_output

    if pairs_path is None:
        raise click.UsageError("give --pairs FILE")
    inputs = [pairs_path, model, options.get("cache_path"), options.get("chat_template")]
    check_scores_output(out, inputs)
    pairs = load_pairs(pairs_path, mapping=parse_mapping(mapping), use_labels=False,
                       pairs_format=pairs_format)
    settings = build_scorer_options(quiet=quiet, **options)
    scorer = load_scorer(model, settings.options, ray=settings.ray)
    try:
        frame = run_score(pairs, scorer, out=out, inputs=inputs)
    finally:
        scorer.close()
    if not quiet:
        meta, stats = frame.attrs["preftree"], scorer.last_stats
        echo(f"{meta['n_pairs']} pairs, {stats.n_distinct} distinct texts: {stats.n_cached} "
                   f"from cache, {stats.n_computed} scored ({stats.n_tokens} tokens, "
                   f"{stats.tokens_per_second:,.0f} tokens/s, padding {stats.padding_fraction:.1%})"
                   + (f"; {stats.path}" if stats.path else ""))
        echo(f"attributes: {', '.join(scorer.attributes)}; truncated: {meta['n_truncated']}")
        echo(f"wrote {out}")
